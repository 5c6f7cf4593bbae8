"""What a run shows: figures (Pareto fronts, hypervolume, samples), architecture drawings and tables (CSV, LaTeX),
written together for a search stage by :func:`write_search_report`. Torch-free."""

from pymoo_gan.report.search_report import pareto_table, write_search_report

__all__ = ["pareto_table", "write_search_report"]
