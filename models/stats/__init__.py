"""The queries behind 查询统计 (admin_views/stats/)."""
