"""The model of one GPU-hour: pure functions from resolved parameters to every intermediate
quantity (IT and facility energy, cooling water, amortised hardware) and to demand vectors per
(phase, life-cycle stage). No I/O, no Brightway.
"""
