"""Pure numpy/scipy customer analytics: no Django, no database.

Modules: ``summary`` (transactions -> x, t_x, T, monetary), ``bgnbd`` / ``paretonbd`` (purchase
counts), ``gammagamma`` (spend), ``clv``, ``rfm``, ``concentration`` (80/20), ``lifecycle``,
``clustering`` (k-means), ``basket`` (bought together, cross-/up-sell) and ``pipeline``.
"""

from .bgnbd import BgNbdFit, expected_purchases, fit_bgnbd, probability_alive
from .clv import customer_lifetime_value, value_at_risk
from .gammagamma import GammaGammaFit, InsufficientDataError, expected_average_spend, fit_gamma_gamma
from .paretonbd import ParetoNbdFit, fit_pareto_nbd
from .pipeline import CustomerScores, ScoringOptions, score_customers
from .summary import CustomerSummary, summarize_transactions

__all__ = [
    "BgNbdFit",
    "CustomerScores",
    "CustomerSummary",
    "GammaGammaFit",
    "InsufficientDataError",
    "ParetoNbdFit",
    "ScoringOptions",
    "customer_lifetime_value",
    "expected_average_spend",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_pareto_nbd",
    "probability_alive",
    "score_customers",
    "summarize_transactions",
    "value_at_risk",
]
