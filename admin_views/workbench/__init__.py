"""运维工作台 (F32): the operator's pages. H1's search and 360° pages register here too (add_views)."""
