"""Data categories: every piece of a person's data belongs to exactly one.

Plugins may add categories (plugin system, issue #4); consents and restrictions name them.
"""

from __future__ import annotations

__all__ = ["CORE_CATEGORIES", "DataCategory"]


class DataCategory:
    IDENTITY = "identity"
    CONTACT = "contact"
    RECOVERY_PLAN = "recovery_plan"
    BUDGET = "budget"
    PHYSICAL_HEALTH = "physical_health"
    MENTAL_HEALTH = "mental_health"
    MEDICATION = "medication"
    WELLBEING = "wellbeing"
    JOURNAL = "journal"
    MESSAGES = "messages"
    APPOINTMENTS = "appointments"
    CONSENT = "consent"
    ACCESS_LOG = "access_log"


# category -> what it means, in the words a person reads on a consent screen.
CORE_CATEGORIES: dict[str, str] = {
    DataCategory.IDENTITY: "Your name, date of birth and NHS number",
    DataCategory.CONTACT: "How to contact you: phone, email and address",
    DataCategory.RECOVERY_PLAN: "Your recovery goals, the steps towards them and your progress",
    DataCategory.BUDGET: "Your Personal Health Budget: what it is for, requests and payments",
    DataCategory.PHYSICAL_HEALTH: "Your physical health: weight, blood pressure, health checks",
    DataCategory.MENTAL_HEALTH: "Your mental health: diagnoses and care notes",
    # Apart from mental health: what someone takes can reveal a diagnosis, and the GP, the
    # trust and the person each need it without everything else (docs/health-record.md).
    DataCategory.MEDICATION: "Your medicines: what you take, and the doses you took or missed",
    DataCategory.WELLBEING: "How you are doing: moods, sleep and questionnaires",
    DataCategory.JOURNAL: "Your journal entries",
    DataCategory.MESSAGES: "Messages between you and your teams",
    DataCategory.APPOINTMENTS: "Your appointments",
    DataCategory.CONSENT: "Who you have agreed may see your information, and restrictions",
    DataCategory.ACCESS_LOG: "Who has looked at your record, and when",
}
