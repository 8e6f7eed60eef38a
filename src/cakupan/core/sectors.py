"""The registry's sector codes with their Bahasa labels: one list for the models, the import validator and
the rules engine (plain Python, so the Django-free packages can use it)."""

FORMAL_SECTOR = "formal"

SECTOR_LABELS: dict[str, str] = {
    "nelayan": "Nelayan",
    "petani": "Petani",
    "peternak": "Peternak",
    "pedagang": "Pedagang",
    "transportasi": "Transportasi (ojek, sopir, kurir)",
    "buruh_harian": "Buruh harian lepas",
    "prt": "Pekerja rumah tangga",
    "pengrajin": "Pengrajin",
    "pemulung": "Pemulung",
    "jasa": "Jasa",
    "lainnya": "Lainnya",
    FORMAL_SECTOR: "Pekerja formal (penerima upah)",
}
