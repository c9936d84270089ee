"""The dashboards' figures, one module per dashboard (`rfm`, `lifecycle`, `value`, `composition`, `basket`,
`overview`, `fit`), read from the metrics tables, the purchase summary and the orders, always within
the customers the user may see (``Customer.objects.visible_to``), never from another scope.

Each dashboard is a typed dataclass (the pages, the API and the exports share it) and each of its
tables a `tables.Table` of typed cells, formatted for the page by the template and as plain text for
CSV/xlsx by `Table.text_rows`. Run-level facts that are not about customers (the fitted model
parameters, the clusters' centres) come from the current run (`run`); everything counted per customer
is counted again within the user's scope (`scope`).
"""
