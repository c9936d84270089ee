"""RFM quintile scores and the eight classic RFM customer segments.

Scores use the mid-rank percentile: for a value v, pct = (#values < v + #values == v / 2) / n and
score = ceil(5 pct) clipped to 1..5. Equal values therefore always get equal scores, distinct
values spread evenly over the quintiles, and an all-equal column gets the neutral score 3 instead
of an error from collapsing bin edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._optim import IntArray


@dataclass(frozen=True)
class Segment:
    """One RFM segment: a stable identifier, its code (R, F, M high/low) and a suggested strategy."""

    key: str
    code: str
    name_zh: str
    name_en: str
    strategy_zh: str
    strategy_en: str


#: Indexed by 4*R_high + 2*F_high + M_high, i.e. the code read as a binary number (H=1, L=0).
SEGMENTS: tuple[Segment, ...] = (
    Segment("general_winback", "LLL", "一般挽留客户", "General win-back",
            "低成本触达（短信、公众号推送），用限时优惠尝试唤回；无响应则降低营销投入。",
            "Reach out through low-cost channels with a time-limited offer; cut spend if they stay silent."),
    Segment("important_winback", "LLH", "重要挽留客户", "Important win-back",
            "客户经理一对一回访，了解流失原因，提供专属挽回方案。",
            "Personal call from the account manager to learn why they left and offer a tailored win-back deal."),
    Segment("general_retention", "LHL", "一般保持客户", "General retention",
            "常来但消费少且近期沉默：用组合优惠、满减提升客单价并提醒回购。",
            "Frequent but low spend and quiet lately: bundles and spend-more-save-more offers plus reminders."),
    Segment("important_retention", "LHH", "重要保持客户", "Important retention",
            "高价值老客近期未到店：重点关怀、生日礼遇、专属活动邀请，防止流失。",
            "Valuable regulars gone quiet: priority care, birthday perks and invitations to exclusive events."),
    Segment("general_development", "HLL", "一般发展客户", "General development",
            "新近到店但频次和金额低：新客引导、会员注册礼、首单后复购券。",
            "Recent but infrequent and low spend: onboarding, membership sign-up gift, repeat-purchase coupon."),
    Segment("important_development", "HLH", "重要发展客户", "Important development",
            "近期高消费但不常来：提升购买频次，推荐会员计划和定期补货提醒。",
            "Recent big spenders who rarely come: raise frequency with a loyalty plan and replenishment reminders."),
    Segment("general_value", "HHL", "一般价值客户", "General value",
            "活跃但客单价低：交叉销售和向上销售，推荐高价值商品。",
            "Active but low spend per visit: cross-sell and up-sell higher-value products."),
    Segment("important_value", "HHH", "重要价值客户", "Important value",
            "最有价值客户：VIP 服务、专属客户经理、新品优先体验，保持满意度。",
            "Most valuable customers: VIP service, a dedicated manager and early access; keep them delighted."),
)

SEGMENT_BY_KEY: dict[str, Segment] = {segment.key: segment for segment in SEGMENTS}


@dataclass(frozen=True)
class RfmScores:
    """Per-customer 1..5 scores and segment index into ``SEGMENTS``."""

    r_score: IntArray
    f_score: IntArray
    m_score: IntArray
    segment: IntArray

    @property
    def segment_keys(self) -> NDArray[np.str_]:
        """Segment identifier per customer (for example ``important_value``)."""
        keys = np.array([segment.key for segment in SEGMENTS])
        return keys[self.segment]

    @property
    def rfm_code(self) -> NDArray[np.str_]:
        """Concatenated scores per customer, for example ``'545'``."""
        return np.char.add(np.char.add(self.r_score.astype(str), self.f_score.astype(str)), self.m_score.astype(str))


def quintile_scores(values: ArrayLike) -> IntArray:
    """Scores 1..5 by mid-rank percentile (ties share a score; higher value, higher score)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.isnan(v).any():
        raise ValueError("RFM inputs must not contain NaN")
    ordered = np.sort(v)
    below = np.searchsorted(ordered, v, side="left")
    upto = np.searchsorted(ordered, v, side="right")
    pct = (below + (upto - below) / 2.0) / v.size
    return np.clip(np.ceil(5.0 * pct), 1, 5).astype(np.int64)


def rfm_scores(days_since_last: ArrayLike, frequency: ArrayLike, monetary: ArrayLike) -> RfmScores:
    """Score customers and assign segments.

    R is scored so that a recent purchase (few days since the last one) scores high. Each score is
    'high' when strictly above the mean of that score over all customers, so an all-equal column
    is 'low' for everybody rather than arbitrarily split.
    """
    r = quintile_scores(-np.asarray(days_since_last, dtype=np.float64))
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    if not (r.shape == f.shape == m.shape):
        raise ValueError("recency, frequency and monetary must have the same length")
    segment = 4 * _above_mean(r) + 2 * _above_mean(f) + _above_mean(m)
    return RfmScores(r_score=r, f_score=f, m_score=m, segment=segment.astype(np.int64))


def _above_mean(scores: IntArray) -> IntArray:
    """1 where a score exceeds the population mean score (computed exactly in integers)."""
    above: IntArray = (scores * scores.size > scores.sum()).astype(np.int64)
    return above
