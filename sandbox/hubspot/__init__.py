"""HubSpot sandbox: campaigns, owners, tasks and notes as HubSpot's public API v3 serves them."""
