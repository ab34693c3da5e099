"""See the gradients: computation graphs, a node-by-node backprop stepper, network diagrams
and training plots.

>>> from viz import draw_graph, step_through, save_steps_html
>>> from viz import draw_network, plot_history, plot_decision_boundary
>>> from viz import playground   # watch a network learn, live; click a point to step through it

Rendering needs Graphviz's ``dot`` or the ``graphviz-pure`` binary (``pip install
'stepgrad[viz]'``); DOT source never does. Heavy libraries (graphviz, ipywidgets, matplotlib,
numpy) are imported only when a function needs them.
"""

from .demo import write_demo_pictures
from .graph import draw_graph
from .page import save_steps_html
from .playground_widget import Playground, playground
from .plots import (
    draw_network,
    plot_decision_boundary,
    plot_history,
    plot_neuron_maps,
    plot_playground,
)
from .render import RendererNotFound
from .stepper import Stepper, step_through


def __getattr__(name: str) -> object:
    """micrograd's ``draw_dot`` names its replacement here (no alias). An ImportError, as
    ``from viz import draw_dot`` would replace an AttributeError's message with its own."""
    if name == "draw_dot":
        raise ImportError("viz has no draw_dot: micrograd's draw_dot(root) is viz.draw_graph(root)")
    raise AttributeError(f"module 'viz' has no attribute {name!r}")


__all__ = [
    "Playground",
    "RendererNotFound",
    "Stepper",
    "draw_graph",
    "draw_network",
    "playground",
    "plot_decision_boundary",
    "plot_history",
    "plot_neuron_maps",
    "plot_playground",
    "save_steps_html",
    "step_through",
    "write_demo_pictures",
]
