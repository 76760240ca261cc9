"""What people read: the tables and plain-language reading of a report, the Excel workbook and
the PNG/SVG charts. Built from results only; nothing here solves or reads Brightway.
"""
