"""The customer target of the import engine, by stage: `catalogue` (which columns exist), `clean` (one
row), `check` (set-based, the whole file), `apply` (a checked staging table becomes customers, search
rows, tokens, tags and ledger entries) and `export` (the cells of the customer export).

Every module reads `Customer._meta`, so a plain field added to Customer is imported and exported
without a change here; phones, tags, owner, department, store, choices, birthdays and sensitive values
have explicit rules, and custom fields (`CustomField`) appear as `custom.<key>`.
"""
