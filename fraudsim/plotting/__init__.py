"""Figures of results folders, for slides and reports: the only user of matplotlib.

::

    from fraudsim.plotting import open_folder, figures, write_figures
    folder = open_folder(Path("results/xiamen-2023"))
    write_figures(folder, Path("results/xiamen-2023/figures"))   # PNG and SVG
    for spec in figures(folder):
        fig = spec.build()            # a matplotlib Figure, e.g. for a notebook

Importing this package only defines functions: no backend is selected, no
global matplotlib setting is changed and no figure is made until asked.
Figures are built on Agg canvases inside a fixed style (:mod:`.style`), so the
same results always give byte-identical PNG and SVG files.
"""

from fraudsim.plotting.catalog import FORMATS, FigureSpec, figures, write_figures
from fraudsim.plotting.folder import ResultsFolder, ResultsFolderError, open_folder
from fraudsim.plotting.style import render

__all__ = [
    "FORMATS",
    "FigureSpec",
    "ResultsFolder",
    "ResultsFolderError",
    "figures",
    "open_folder",
    "render",
    "write_figures",
]
