"""Thermodynamics: entries with F_vib → phase diagrams, hull depths, voltages, checks and the
paper's claims, per temperature."""
