"""Location- and market-based Scope 2 electricity as a labelled workbook sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gpulca.reports.xlsx import Sheet, write_one_sheet_workbook

HEADERS = ("Phase", "Basis", "Facility electricity (kWh)", "Climate change (kg CO2-eq)",
           "Factor (g CO2-eq/kWh)", "Method")
NOTE = ("Scope 2 electricity, GHG Protocol dual reporting. LOCATION-BASED: the grid zone's "
        "average (every other gpulca result). MARKET-BASED: contractual instruments (matched "
        "share at zero, the rest at the residual factor); climate change only.")


def write_scope2_sheet(sheet: Sheet, frame: pd.DataFrame) -> None:
    sheet.title("Scope 2 electricity: location-based and market-based", NOTE)
    rows = [[str(r["phase"]), str(r["basis"]).upper(), float(r["facility_kwh"]),
             float(r["kg_co2e"]), float(r["g_co2e_per_kwh"]), str(r["method"])]
            for r in frame.to_dict("records")]
    block = sheet.table(HEADERS, rows, formats=[None, None, "#,##0.0", "#,##0.0", "0.0"],
                        wrap=(6,))
    sheet.finish(block)


def write_scope2_workbook(path: str | Path, frame: pd.DataFrame) -> Path:
    """A workbook with the sheet 'Scope 2', written all or nothing."""
    return write_one_sheet_workbook(path, "Scope 2",
                                    lambda sheet: write_scope2_sheet(sheet, frame))
