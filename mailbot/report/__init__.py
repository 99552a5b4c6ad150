"""The monthly report (issue 21): what the service promised and what it kept, for managers.

    figures.py   the month's numbers, a pure function of the tickets (`compute`)
    chart.py     the chart (matplotlib, Agg backend): tickets per week, targets met per priority
    table.py     the CSV: one row per ticket created in the month
    mail.py      the report's text and its mail (text, inline PNG chart, CSV attachment)
"""
