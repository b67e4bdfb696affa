"""Network pages: ``public`` (links from emails, public forms), ``member`` (alumni),
``staff`` (waves, invitations, people, directory) and ``queues`` (requests, imports,
duplicates)."""
