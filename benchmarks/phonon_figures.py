"""What the per-phase band structures cost, and what they show, on a finished run directory.

Analyses RUN_DIR's calculations (read once) three times, each into its own folder: without
per-phase files, with them but without band structures (the DOS alone, as before band
structures), and with everything. Prints the wall and CPU time of each and the differences,
then per phase the high-symmetry path, its q-points, the time of the path, the bands and the
band figure, and the lowest branch along the path with the point nearest to it.

    OMP_NUM_THREADS=1 python benchmarks/phonon_figures.py RUN_DIR [--work DIR]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

from nasx.analysis.readers.run_directory import read_run_directory
from nasx.analysis.reanalysis import analyze_calculations
from nasx.analysis.report import phonon_plots
from nasx.phonon_bands import high_symmetry_path, label_text, run_bands


def _timed(function, *args, **kwargs) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--work", type=Path, default=None, help="where the analyses go")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="nasx-phonon-figures-"))
    calculations = read_run_directory(args.run_dir)

    def analysis(name: str, files: bool, bands: bool):
        """(wall s, CPU s) of one analysis, and its calculations (force constants set)."""
        copied = copy.deepcopy(calculations)
        with mock.patch.object(
            phonon_plots,
            "band_path_or_error",
            phonon_plots.band_path_or_error if bands else lambda ph: (None, "switched off"),
        ):
            return _timed(analyze_calculations, copied, work / name, phase_files=files), copied

    analysis("warm-up", False, True)  # imports, first phonopy calls
    none, _ = analysis("no-phase-files", False, True)
    dos_only, _ = analysis("no-band-structures", True, False)
    full, analysed = analysis("full", True, True)
    print(f"analysis of {args.run_dir} (s, wall / CPU)")
    print(f"  without phase files             {none[0]:6.2f} / {none[1]:6.2f}")
    print(f"  phase files, DOS only           {dos_only[0]:6.2f} / {dos_only[1]:6.2f}")
    print(f"  phase files with band structure {full[0]:6.2f} / {full[1]:6.2f}")
    added = (full[0] - dos_only[0], full[1] - dos_only[1])
    print(f"  band structures add             {added[0]:6.2f} / {added[1]:6.2f}")

    print("\nphase: path (Bravais lattice) | q-points | path, bands, figure (s) | lowest branch")
    for record in analysed.phases:
        if record.phonons is None or record.phonons.phonopy.force_constants is None:
            continue
        ph = record.phonons.phonopy
        start = time.perf_counter()
        path = high_symmetry_path(ph)
        t_path = time.perf_counter() - start
        start = time.perf_counter()
        bands = run_bands(ph, path)
        t_bands = time.perf_counter() - start
        ph.run_total_dos(sigma=phonon_plots.DOS_SMEARING_THZ, use_tetrahedron_method=False)
        dos = (ph.total_dos.frequency_points, ph.total_dos.dos / len(ph.primitive))
        start = time.perf_counter()
        phonon_plots._band_plot(work / f"{record.id}.png", bands, dos, -0.05, record.id, "")
        t_figure = time.perf_counter() - start
        n_q = sum(len(d) for d in bands.distances)
        segment, (q_index, branch) = min(
            (
                (i, np.unravel_index(np.argmin(f), f.shape))
                for i, f in enumerate(bands.frequencies_THz)
            ),
            key=lambda item: bands.frequencies_THz[item[0]][item[1]],
        )
        lowest = bands.frequencies_THz[segment][q_index, branch]
        start_name, end_name = path.segments[segment]
        fraction = q_index / (len(bands.distances[segment]) - 1)
        where = f"{fraction:.2f} of {label_text(start_name)}→{label_text(end_name)}"
        print(
            f"{record.id}: {path.text()} ({path.bravais_lattice}) | {n_q} | "
            f"{t_path:.3f}, {t_bands:.3f}, {t_figure:.3f} | {lowest:.3f} THz at {where}"
        )


if __name__ == "__main__":
    main()
