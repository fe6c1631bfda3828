"""A local Jira Cloud: the REST endpoints Tandem uses, JQL, changelogs, remote links and signed webhooks.

`app.create_app(world, base_url=...)` builds the aiohttp application; `store.JiraStore` holds the site's data and is
registered with the sandbox world as "jira". BEHAVIOR.md lists every deliberate difference from the real service.
"""
