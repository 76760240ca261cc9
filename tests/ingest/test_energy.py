"""Measured energy: nvidia-smi, DCGM and CodeCarbon readers, integration, plausibility."""

from __future__ import annotations

import numpy as np
import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.dcgm import read_dcgm
from gpulca.ingest.energy import (
    integrate_power,
    plausibility,
    read_codecarbon,
)
from gpulca.ingest.nvidia_smi import read_nvidia_smi


def test_nvidia_smi_trapezoid_per_gpu(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi.csv")
    # GPU 0: (300+300)/2 x 1 s + (300+500)/2 x 1 s = 700 J; GPU 1: [N/A] skipped, then
    # (100+100)/2 x 2 s = 200 J (2 s is within 5 x the 1 s median interval).
    assert measured.energy_kwh == pytest.approx(900 / 3.6e6)
    assert measured.gpu_hours == pytest.approx(4 / 3600)
    assert (measured.gpus, measured.samples, measured.unavailable) == (2, 5, 1)
    assert measured.problems == []


def test_nvidia_smi_nounits_gap_is_not_integrated(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-nounits.csv")
    # 10 s, 20 s (across [Not Supported]) and 10 s at 650 W; the 1 h gap is skipped (the
    # intervals are 10, 20, 3600 and 10 s: 5 x their median 15 s = 75 s).
    assert measured.energy_kwh == pytest.approx(650 * 40 / 3.6e6)
    assert measured.gaps == 1 and measured.max_gap_s == 75
    assert measured.mean_power_per_gpu_w == pytest.approx(650)
    assert measured.unavailable == 1


def test_nvidia_smi_explicit_max_gap_integrates_the_gap(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-nounits.csv", max_gap_s=3600)
    assert measured.energy_kwh == pytest.approx(650 * (40 + 3600) / 3.6e6)


def test_nvidia_smi_malformed_lines(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-malformed.csv")
    lines = {p.line: p.message for p in measured.problems}
    assert sorted(lines) == [4, 5, 6, 7]
    assert "expected a power" in lines[4]
    assert "expected 3 fields" in lines[5]
    assert "expected a timestamp" in lines[6]
    assert lines[7] == "negative power"
    assert "1 repeated header lines skipped" in measured.notes
    # samples at 0, 1 and 5 s: intervals 1 and 4 s, both within 5 x their median 2.5 s
    assert measured.energy_kwh == pytest.approx(100 * 5 / 3.6e6)


def test_nvidia_smi_without_power_column(write):
    with pytest.raises(InputError, match="expected the fields timestamp and power.draw"):
        read_nvidia_smi(write("s.csv", "timestamp, index, temperature.gpu\n"))


def test_nvidia_smi_needs_two_samples(write):
    path = write("s.csv", "timestamp, index, power.draw [W]\n2024/05/01 12:00:00.000, 0, [N/A]\n")
    with pytest.raises(InputError, match="0 usable samples"):
        read_nvidia_smi(path)


def test_dcgm_energy_counter_with_reset(fixtures):
    measured = read_dcgm(fixtures / "dcgm-energy.csv")
    # GPU 0: +12,000,000 mJ; GPU 1: +3,000,000 mJ, reset, +3,000,000 mJ.
    assert measured.energy_kwh == pytest.approx(18_000 / 3.6e6)
    assert measured.resets == 1
    assert measured.gpu_hours == pytest.approx((30 + 15 + 15) / 3600)


def test_dcgm_power_by_host_and_gpu(fixtures):
    measured = read_dcgm(fixtures / "dcgm-power.csv")
    assert measured.energy_kwh == pytest.approx((300 * 30 + 100 * 15) / 3.6e6)
    assert measured.gpus == 2  # gpu 0 on two hosts


def test_dcgm_missing_metric(write):
    with pytest.raises(InputError, match="DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION or"):
        read_dcgm(write("d.csv", "timestamp,gpu,DCGM_FI_DEV_GPU_UTIL\n"))


def test_codecarbon_latest_row_per_run(fixtures):
    measured = read_codecarbon(fixtures / "codecarbon-emissions.csv")
    assert measured.energy_kwh == pytest.approx(1.4542 * 2)
    assert measured.gpu_hours == pytest.approx(2 * (3600 + 3600) / 3600)
    assert "1 rows repeat a run_id" in measured.notes[0]
    assert read_codecarbon(fixtures / "codecarbon-emissions.csv", "gpu_energy").energy_kwh == \
        pytest.approx(2.8)


def test_codecarbon_bad_values(write):
    path = write("e.csv", "run_id,duration,energy_consumed\na,10,0.5\nb,x,0.1\nc,10,-1\n")
    measured = read_codecarbon(path)
    assert measured.energy_kwh == 0.5
    assert [(p.line, p.path) for p in measured.problems] == [(3, "duration"),
                                                             (4, "energy_consumed")]


def test_codecarbon_missing_columns(write):
    with pytest.raises(InputError, match=r"missing column\(s\) energy_consumed"):
        read_codecarbon(write("e.csv", "run_id,duration\na,1\n"))


def test_integrate_power_handles_order_and_duplicates():
    seconds = np.array([2.0, 0.0, 1.0, 1.0])
    watts = np.array([100.0, 100.0, 100.0, 100.0])
    joules, covered, gaps, _ = integrate_power(seconds, watts, np.zeros(4, dtype=int), 10)
    assert (joules, covered, gaps) == (200.0, 2.0, 0)


@pytest.mark.parametrize(("energy", "hours", "rated", "finding"), [
    (-1.0, 10, None, "negative energy"),
    (0.0, 10, None, "zero energy"),
    (10.0, 10, 700, "1000 W per GPU on average"),
])
def test_plausibility_flags(energy, hours, rated, finding):
    assert finding in plausibility(energy, hours, rated)[0]


def test_plausible_energy_has_no_finding():
    assert plausibility(5.0, 10, 700) == []


def test_nvidia_smi_noheader_recognised(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-noheader.csv")
    # GPU 0: 300 W x 2 s, GPU 1: 100 W x 2 s (index recognised as the only integer field)
    assert measured.energy_kwh == pytest.approx(800 / 3.6e6)
    assert measured.gpus == 2


def test_nvidia_smi_noheader_nounits_needs_the_query(fixtures):
    with pytest.raises(InputError, match="--query timestamp,index,power.draw"):
        read_nvidia_smi(fixtures / "nvidia-smi-noheader-nounits.csv")
    measured = read_nvidia_smi(fixtures / "nvidia-smi-noheader-nounits.csv",
                               query="timestamp,index,power.draw")
    assert measured.energy_kwh == pytest.approx(800 / 3.6e6)


def test_nvidia_smi_query_field_count_checked(fixtures):
    with pytest.raises(InputError, match="2 query fields for lines of 3 fields"):
        read_nvidia_smi(fixtures / "nvidia-smi-noheader-nounits.csv", query="timestamp,power.draw")


def test_nvidia_smi_keyed_by_uuid_units_in_header(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-uuid.csv")
    # GPU A: 400 W x 2 s; GPU B: [Not Supported] skipped, then 200 W x 1 s
    assert measured.energy_kwh == pytest.approx(1000 / 3.6e6)
    assert (measured.gpus, measured.unavailable) == (2, 1)
    assert measured.start == "2024-05-01T12:00:00"
    assert measured.end.startswith("2024-05-01T12:00:02")


def test_nvidia_smi_unkeyed_bursts_are_split_per_gpu(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-unkeyed-bursts.csv")
    assert measured.energy_kwh == pytest.approx(800 / 3.6e6)
    assert measured.gpus == 2 and measured.gpu_hours == pytest.approx(4 / 3600)
    assert any("bursts of 2 lines" in n for n in measured.notes)


def test_nvidia_smi_unkeyed_interleaved_is_refused_with_its_line(fixtures):
    with pytest.raises(InputError, match=r"nvidia-smi-unkeyed-interleaved.csv:5: .*several GPUs"):
        read_nvidia_smi(fixtures / "nvidia-smi-unkeyed-interleaved.csv")


def test_nvidia_smi_dmon(fixtures):
    measured = read_nvidia_smi(fixtures / "nvidia-smi-dmon.txt")
    # GPU 0: 300 W x 3 s; GPU 1: '-' skipped, 100 W x 3 s (the 2 s interval is within 5 x 1 s)
    assert measured.energy_kwh == pytest.approx(1200 / 3.6e6)
    assert (measured.gpus, measured.unavailable) == (2, 1)


def test_nvidia_smi_dmon_without_time_is_refused(write):
    path = write("d.txt", "# gpu   pwr  gtemp\n# Idx     W      C\n    0   300     45\n")
    with pytest.raises(InputError, match="without a time column"):
        read_nvidia_smi(path)


def test_dcgm_exporter_prometheus_text_counter(fixtures):
    measured = read_dcgm(fixtures / "dcgm-exporter.prom")
    # counter increases: GPU 0 6,000,000 mJ, GPU 1 3,000,000 mJ over 15 s each
    assert measured.energy_kwh == pytest.approx(9_000 / 3.6e6)
    assert measured.gpus == 2 and measured.gpu_hours == pytest.approx(30 / 3600)
    assert measured.start == "2024-05-01T12:00:00"


def test_dcgm_exporter_without_timestamps_is_refused_with_its_line(fixtures):
    with pytest.raises(InputError, match=r"no-timestamp.prom:3: .*without a timestamp"):
        read_dcgm(fixtures / "dcgm-exporter-no-timestamp.prom")


def test_dcgm_exporter_bad_sample_located(write):
    path = write("m.prom", "# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n"
                 'DCGM_FI_DEV_POWER_USAGE{gpu="0"} 100 1714564800000\n'
                 'DCGM_FI_DEV_POWER_USAGE{gpu="0"} lots 1714564801000\n')
    with pytest.raises(InputError, match=r"m.prom:3: DCGM_FI_DEV_POWER_USAGE: .*not a Prometheus"):
        read_dcgm(path)


def test_dcgmi_dmon_counter_needs_the_interval(fixtures):
    with pytest.raises(InputError, match="no timestamps"):
        read_dcgm(fixtures / "dcgmi-dmon.txt")
    measured = read_dcgm(fixtures / "dcgmi-dmon.txt", interval_s=1.0)
    # TOTEC increases: GPU 0 800,000 mJ, GPU 1 400,000 mJ
    assert measured.energy_kwh == pytest.approx(1_200 / 3.6e6)
    assert measured.gpus == 2 and measured.gpu_hours == pytest.approx(4 / 3600)


def test_codecarbon_v1_total_energy_only(fixtures):
    measured = read_codecarbon(fixtures / "codecarbon-v1.csv")
    assert measured.energy_kwh == pytest.approx(1.2) and measured.scope == "it"
    assert measured.gpu_hours is None and measured.parts == {}


def test_codecarbon_row_without_gpu_is_flagged_and_left_out(fixtures):
    measured = read_codecarbon(fixtures / "codecarbon-v2-nogpu.csv")
    assert measured.energy_kwh == pytest.approx(1.0205)
    assert [p.line for p in measured.problems] == [2]
    assert "measured no GPU" in measured.problems[0].message
    # the power per GPU is the GPU boards' (0.6 kWh over 1 GPU-h), not CPU + 378 W of RAM
    assert measured.mean_power_per_gpu_w == pytest.approx(600)
    assert measured.parts == pytest.approx({"gpu": 0.6, "cpu": 0.0425, "ram": 0.378})


def test_codecarbon_gpu_energy_scope_and_selection(fixtures):
    measured = read_codecarbon(fixtures / "codecarbon-v3.csv", "gpu_energy",
                               experiment_id="exp-final")
    assert measured.energy_kwh == pytest.approx(1.4) and measured.scope == "gpu"
    assert measured.gpu_hours == pytest.approx(2.0)
    sweep = read_codecarbon(fixtures / "codecarbon-v3.csv", project_name="llm-sweep")
    assert sweep.energy_kwh == pytest.approx(0.7271)
    with pytest.raises(InputError, match="no row has project_name 'nope'"):
        read_codecarbon(fixtures / "codecarbon-v3.csv", project_name="nope")
