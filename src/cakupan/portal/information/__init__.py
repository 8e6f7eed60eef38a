"""What the public information pages say, computed from the rules engine: plain Python, no Django.

Every amount, period and date on `/manfaat/`, `/iuran/`, `/cara-daftar/`, `/cara-bayar/` and `/klaim/`
comes from the engine's functions or its rule data for the day asked about, so a page can never disagree
with the calculator, the reminders or the allocation; a correction of the rule data changes the pages with
it. What the engine does not hold (documents to bring, the heirs' legal order) is written here once, from
docs/jamsostek-rules.md section 4.

The words are for a worker who reads at primary-school level (docs/ux-bahasa.md): program and funding
codes are said in words with the code beside them, formulas as "48 kali penghasilan sebulan". The engine's
own labels stay as they are for the calculator and the API.
"""

from cakupan.portal.information.benefits import benefits_page
from cakupan.portal.information.claims import claims_page
from cakupan.portal.information.contributions import contributions_page
from cakupan.portal.information.offices import Office, load_offices, offices_by_regency
from cakupan.portal.information.payment import payment_page
from cakupan.portal.information.prices import price_notice
from cakupan.portal.information.registration import registration_page

__all__ = [
    "Office",
    "benefits_page",
    "claims_page",
    "contributions_page",
    "load_offices",
    "offices_by_regency",
    "payment_page",
    "price_notice",
    "registration_page",
]
