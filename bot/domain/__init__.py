"""Pure domain rules (calendar, deadlines, quorum, …): no I/O and no framework imports.

Why: these rules are what the partnership agreed on paper; keeping them free of Teams, the database
and the scheduler makes them cheap to test exhaustively and safe to reuse from every outer layer.
"""
