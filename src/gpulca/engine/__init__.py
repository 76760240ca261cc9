"""The Brightway gateway: the only package that imports bw2data, bw2calc, bw_processing or
bw2io.

Owns: the data directory and gpulca-owned projects (:mod:`~gpulca.engine.project`), the offline
background (biosphere3 and bundled methods, :mod:`~gpulca.engine.background`), the data bundled
with bw2io (:mod:`~gpulca.engine.bundled`), writing a resolved library as a database
(:mod:`~gpulca.engine.database`), gpulca's regional water flows and method
(:mod:`~gpulca.engine.regional`), fast method writes (:mod:`~gpulca.engine.methodwrite`), the
one door the rest of gpulca uses (:mod:`~gpulca.engine.gateway`), and solving
(:mod:`~gpulca.engine.solve`, :mod:`~gpulca.engine.unitscores`).
"""
