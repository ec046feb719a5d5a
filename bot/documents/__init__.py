"""Published documents rendered from content models (the notice, later the protocol).

Why a package of its own: rendering a document is neither a rule (domain) nor a use case
(services) — it turns a finished content model into bytes with a document library, and nothing
else. Services call it between their transactions and hand the bytes to the DocumentStore.
"""
