"""The API's routers, one per area (all under /api/v1) and the page."""
