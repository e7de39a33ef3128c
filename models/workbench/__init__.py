"""运维工作台 (F32): the platform operator's search, 360° pages and data fixes."""
