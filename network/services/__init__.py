"""Use-cases of Norec Network. Views, admin, imports, commands and tasks all call these.

Split by sub-domain: ``members`` (joining, profile, consent), ``contact`` (self-service
details and email changes), ``waves`` (invitation waves and single invitations),
``requests`` (“I never got an invitation”) and ``duplicates`` (the merge queue).
"""
