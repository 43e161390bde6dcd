"""The presentation layer (contract 5.5): how results look to people. `columns` (labels, kinds and number formats
of every column omxl writes: data), `sheets` (a frame as a labelled, formatted result sheet with row fills),
`summary` (the Summary sheet), `notebook` (the notebook Styler and result views)."""
