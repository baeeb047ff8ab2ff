"""What a Personal Health Budget may not buy, and why (NHS (Direct Payments) Regulations 2013
and NHS England's PHB guidance): alcohol, tobacco, gambling, repaying debt, anything illegal,
and care the NHS already provides free — primary medical care (the GP, prescriptions) and
urgent or emergency care.

The check reads the item's description for the plain words people use. It catches the obvious
cases at once, with a reason the person understands; the clinicians who sign off remain
responsible for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.approvals import ItemProblem

__all__ = ["EXCLUSIONS", "problems_with_item"]


@dataclass(frozen=True, slots=True)
class Exclusion:
    code: str
    words: re.Pattern[str]
    reason: str


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.IGNORECASE)


EXCLUSIONS = (
    Exclusion("NOT_FUNDABLE_ALCOHOL",
              _words(r"alcohol(ic)?", r"wines?", r"beers?", r"lagers?", r"ciders?", r"ales?",
                     r"spirits", r"vodka", r"whiske?y", r"gin", r"rum", r"brandy", r"prosecco",
                     r"champagne", r"liquors?"),
              "A Personal Health Budget cannot pay for alcohol."),
    Exclusion("NOT_FUNDABLE_TOBACCO",
              _words(r"tobacco", r"cigarettes?", r"cigars?", r"cigarillos?", r"shisha",
                     r"rolling papers?", r"vapes?", r"vaping"),
              "A Personal Health Budget cannot pay for tobacco, cigarettes or vapes."),
    Exclusion("NOT_FUNDABLE_GAMBLING",
              _words(r"gambl(e|ing)", r"bets?", r"betting", r"bookmakers?", r"casinos?",
                     r"lottery", r"lotto", r"scratch ?cards?", r"poker", r"slot machines?"),
              "A Personal Health Budget cannot pay for gambling."),
    Exclusion("NOT_FUNDABLE_DEBT_REPAYMENT",
              _words(r"debts?", r"arrears", r"overdraft", r"loan repayments?",
                     r"repay(ing|ment)? (a |my |the )?loans?", r"payday loans?",
                     r"credit card (bill|balance|repayment)s?", r"bailiffs?"),
              "A Personal Health Budget cannot repay debts, loans or arrears."),
    Exclusion("NOT_FUNDABLE_ILLEGAL",
              _words(r"illegal", r"illicit", r"cannabis", r"marijuana", r"cocaine", r"heroin",
                     r"ecstasy", r"mdma", r"stolen", r"counterfeit"),
              "A Personal Health Budget cannot pay for anything illegal."),
    Exclusion("NOT_FUNDABLE_PRIMARY_CARE",
              _words(r"gp (appointment|consultation|visit)s?", r"prescriptions?",
                     r"prescription charges?", r"prescribed medication"),
              "A Personal Health Budget cannot pay for GP services or prescriptions: the NHS "
              "provides them already."),
    Exclusion("NOT_FUNDABLE_EMERGENCY_CARE",
              _words(r"a ?& ?e", r"accident and emergency", r"ambulances?",
                     r"emergency (care|treatment|department)", r"urgent care"),
              "A Personal Health Budget cannot pay for urgent or emergency care: the NHS "
              "provides it already."),
)


def problems_with_item(description: str) -> list[ItemProblem]:
    """Why this item cannot be funded, if it cannot: one problem per exclusion it falls under."""
    return [ItemProblem(exclusion.code, exclusion.reason) for exclusion in EXCLUSIONS
            if exclusion.words.search(description)]
