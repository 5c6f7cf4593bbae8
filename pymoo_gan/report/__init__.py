"""What a run shows: figures (Pareto fronts, attainment surfaces over seeds, hypervolume, samples), architecture
drawings, tables (CSV, LaTeX) and one HTML page per run. :func:`write_search_report` writes a search stage's folder;
:func:`replot_run` redraws a run directory from its CSV files and writes ``report.html`` (``pymoo-gan plot RUN_DIR``).
Every figure is drawn in one style (:mod:`pymoo_gan.report.style`) and can be saved as png, pdf and/or svg. Torch-free.
"""

from pymoo_gan.report.attainment import attainment_surface, attainment_surfaces, plot_attainment, plot_median_fronts
from pymoo_gan.report.replot import replot_run
from pymoo_gan.report.retrained import plot_retrained
from pymoo_gan.report.run_report import write_run_report
from pymoo_gan.report.search_report import pareto_table, write_search_report
from pymoo_gan.report.style import FORMATS, figure_style

__all__ = ["FORMATS", "attainment_surface", "attainment_surfaces", "figure_style", "pareto_table",
           "plot_attainment", "plot_median_fronts", "plot_retrained", "replot_run", "write_run_report",
           "write_search_report"]
