"""运维/客服工作台 (F32): the operator's global search and what the 360° pages read."""
