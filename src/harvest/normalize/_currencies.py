"""Currency data for ``harvest.normalize._money``: ISO 4217 minor units and page markers.

Private to the normalize package (``money`` re-exports both tables).

``MINOR_UNITS`` holds the ISO 4217 codes in use (list one, 2025) with their minor
units, less two kinds harvest does not read:

- the currencies with 3 or 4 decimals (BHD, IQD, JOD, KWD, LYD, OMR, TND; CLF, UYW):
  harvest's exports load an amount as ``DECIMAL(18, 2)`` (docs/records.md), which would
  round them. A price in one of them gives ``None``; add them with the export's scale.
- the codes of no money (gold XAU, SDR XDR, testing XTS, none XXX, ...).

``CURRENCY_MARKERS`` maps what a page shows (a symbol, a native abbreviation, a code
that is not ISO) to an ISO 4217 code. Every code in ``MINOR_UNITS`` is a marker of
itself. Where a marker stands for several currencies, it maps to the one most pages
mean, as price-parser's examples do: ``$`` USD, ``¥`` JPY, ``kr`` SEK, ``Rs`` INR,
``ريال`` SAR. A marker of a currency harvest cannot name (a withdrawn one, the
toman, which is ten rials, bitcoin) is left out, so its price gives ``None`` rather
than a wrong currency.
"""

from __future__ import annotations


def _codes(text: str) -> list[str]:
    return text.split()


_NO_DECIMALS = _codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF")
_TWO_DECIMALS = _codes(
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN "
    "ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD "
    "KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR "
    "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON "
    "RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT "
    "TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS, 2),
    **dict.fromkeys(_NO_DECIMALS, 0),
}

# ISO 4217 codes that harvest reads in any case ("20 usd"): the ones it always read.
# Other codes count in capitals only, lest words ("all", "top", "try") be currencies.
ANY_CASE_CODES = frozenset(
    _codes("USD EUR GBP JPY KRW CAD AUD NZD HKD SGD CNY INR CHF SEK NOK DKK RUB ILS BRL MXN")
)

_MARKERS: dict[str, tuple[str, ...]] = {
    "USD": ("$", "US$", "US $"),
    "EUR": ("€", "euro", "Euro", "EURO", "eur"),
    "GBP": ("£", "￡", "stg"),
    "JPY": ("¥", "￥", "JP¥", "円", "yen"),
    "KRW": ("₩", "원"),
    "CAD": ("C$", "CA$", "CAD$", "CAN$"),
    "AUD": ("A$", "AU$", "AU $"),
    "NZD": ("NZ$",),
    "HKD": ("HK$",),
    "SGD": ("S$",),
    "CNY": ("CN¥", "RMB", "元", "圆", "人民币", "yuan"),
    "TWD": ("NT$", "NTD"),
    "INR": ("₹", "Rs", "Rs.", "र", "₨"),
    "CHF": ("Fr.", "SFr", "SFr."),
    "SEK": ("kr", "Kr", "kr."),
    "RUB": ("₽", "руб.", "руб", "р.", "р", "Р", "Rbl"),
    "ILS": ("₪", "ש״ח", 'ש"ח', "ש'ח", "ش.ج", "nis"),
    "BRL": ("R$",),
    "MXN": ("MX$",),
    "ARS": ("AR$",),
    "BBD": ("Bds$",),
    "BND": ("BN$",),
    "BZD": ("BZ$",),
    "CLP": ("CL$",),
    "COP": ("CO$",),
    "CVE": ("CV$", "Esc"),
    "DOP": ("RD$",),
    "GYD": ("GY$", "G$"),
    "JMD": ("J$",),
    "MOP": ("MOP$",),
    "NAD": ("N$",),
    "TOP": ("T$",),
    "TTD": ("TT$",),
    "UYU": ("$U",),
    "WST": ("WS$",),
    "BOB": ("$b",),
    "PLN": ("zł", "Zł", "zl", "pln"),
    "CZK": ("Kč",),
    "HUF": ("Ft",),
    "BGN": ("лв.", "лв"),
    "RON": ("lei", "Lei", "LEI", "leu"),
    "RSD": ("дин.", "дин", "Дин", "din", "Dinara", "динар"),
    "MKD": ("ден", "ДЕН"),
    "UAH": ("₴", "грн.", "грн", "hrn"),
    "BYN": ("Br",),
    "KZT": ("₸", "тңг", "тңг.", "тг"),
    "AZN": ("₼", "ман."),
    "GEL": ("₾", "ლ", "ლარი", "lari"),
    "AMD": ("֏", "դր.", "դր"),
    "TRY": ("₺", "TL"),
    "UZS": ("so'm", "soʻm", "Sʻ", "S'"),
    "BAM": ("KM", "км"),
    "ALL": ("Lek",),
    "AFN": ("؋", "Af"),
    "THB": ("฿", "บาท"),
    "VND": ("₫", "đ", "VNĐ"),
    "KHR": ("៛",),
    "LAK": ("₭",),
    "MNT": ("₮",),
    "PHP": ("₱",),
    "BDT": ("৳", "টকা"),
    "NPR": ("नेरू",),
    "LKR": ("රු", "ரூ"),
    "MVR": ("Rf", "ރ"),
    "MYR": ("RM",),
    "IDR": ("Rp",),
    "MMK": ("Ks",),
    "BTN": ("Nu.", "Nu"),
    "NGN": ("₦",),
    "GHS": ("GH₵", "₵"),
    "CRC": ("₡",),
    "PYG": ("₲",),
    "ZAR": ("R",),
    "EGP": ("ج.م.\u200f", "ج.م", "جنيه", "E£"),
    "AED": ("د.إ.\u200f", "د.إ", "درهم", "Dhs", "Dh"),
    "SAR": ("ر.س.\u200f", "ر.س", "ريال"),
    "QAR": ("ر.ق.\u200f", "ر.ق"),
    "YER": ("ر.ي.\u200f", "ر.ي"),
    "IRR": ("ریال",),
    "DZD": ("د.ج.\u200f", "د.ج", "دج"),
    "MAD": ("د.م.\u200f", "د.م"),
    "SYP": ("ل.س.\u200f", "ل.س", "SY£"),
    "LBP": ("ل.ل.\u200f", "ل.ل", "LB£"),
    "SDG": ("ج.س.", "ج.س"),
    "ERN": ("Nfk", "ናቕፋ", "نافكا"),
    "ETB": ("ብር",),
    "KES": ("KSh", "KShs"),
    "TZS": ("TSh",),
    "UGX": ("USh",),
    "RWF": ("FRw", "RF", "R₣"),
    "BIF": ("FBu", "Fbu"),
    "DJF": ("Fdj",),
    "GNF": ("FG", "GFr"),
    "MGA": ("Ar",),
    "MWK": ("MK",),
    "MZN": ("MT",),
    "MRU": ("UM",),
    "STN": ("Db",),
    "ZMW": ("ZK",),
    "VUV": ("VT", "Vt"),
    "PAB": ("B/.",),
    "PEN": ("S/.", "S/"),
}

CURRENCY_MARKERS: dict[str, str] = {
    **{code: code for code in MINOR_UNITS},
    **{marker: code for code, markers in _MARKERS.items() for marker in markers},
}
