"""What `nasx run` and `nasx analyze` print: one summary of a results.json document."""

from __future__ import annotations

PARTIAL_EXIT = 3
"""Exit status of partial results (``"complete": false`` in results.json)."""


def exit_status(results: dict) -> int:
    """0 for complete results, `PARTIAL_EXIT` for partial ones."""
    return 0 if results.get("complete", True) else PARTIAL_EXIT


def print_results(results: dict) -> None:
    """Voltages per temperature (or each phase's F_vib without a phase diagram), then the
    warnings, failed checks, problems and what is missing."""
    ocv = results.get("ocv")
    if ocv:
        for t in map(str, results["temperatures_K"]):
            if t in ocv["thermodynamic"]:
                print(_voltages(results, t))
    else:
        for phase_id, record in results.get("calculations", {}).items():
            if record.get("phonons"):
                print(f"  {phase_id}: {_free_energies(record['phonons'])}")
    for warning in results.get("warnings", []):
        print(f"warning: {warning}")
    for check in results.get("checks", []):
        if not check["ok"]:
            print(f"check: {check['phase']}: {check['check']}: {check['message']}")
    for problem in results.get("problems", []):
        print(f"problem: {problem['path']}: {problem['reason']} (missing {problem['missing']})")
    for item in results.get("missing", []):
        print(f"missing: {item['quantity']}: {item['reason']}")


def _voltages(results: dict, t: str) -> str:
    ocv = results["ocv"]
    thermo = " / ".join(f"{p['voltage_V']:.2f}" for p in ocv["thermodynamic"][t])
    kinetic = " / ".join(f"{p['voltage_V']:.2f}" for p in ocv["kinetic"][t])
    count = ocv["distinguishable_plateaus"]["thermodynamic"][t]
    paper = ocv.get("plateaus_in_paper_grouping")
    grouping = f", {paper['thermodynamic'][t]} in the paper's grouping" if paper else ""
    without = results.get("left_out", {}).get(t)
    left_out = f"   WITHOUT {', '.join(without)} (no F_vib)" if without else ""
    kinetic = f"{kinetic} V" if kinetic else "no plateau (every compound bypassed)"
    return (
        f"{t:>6} K  thermodynamic: {thermo} V ({count} distinguishable{grouping})"
        f"   kinetic: {kinetic}{left_out}"
    )


def _free_energies(phonons: dict) -> str:
    return ", ".join(
        f"F {f * 1000:.1f} meV/atom at {t:g} K"
        for t, f in zip(phonons["temperatures_K"], phonons["free_energy_eV_per_atom"], strict=True)
    )


def print_committee(results: dict) -> None:
    """The committee's plateaus per temperature: each matched plateau's min–max over the
    models, and the models without it."""
    committee = results["committee"]
    print(f"committee of {', '.join(committee['models'])}: plateaus, min–max over the models")
    for t, at_t in committee["spread"].items():
        for path in ("thermodynamic", "kinetic"):
            cells = []
            for plateau in at_t[path]["plateaus"]:
                voltage = plateau["voltage_V"]
                absent = voltage["absent_under"]
                cells.append(
                    f"{plateau['plateau']} {voltage['min']:.2f}–{voltage['max']:.2f}"
                    + (f" (absent under {', '.join(absent)})" if absent else "")
                )
            shown = "; ".join(cells) + " V" if cells else "no plateau (every compound bypassed)"
            print(f"{t:>6} K  {path}: {shown}")
