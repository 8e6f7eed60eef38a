"""The first Bahasa templates, loaded by migration 0002 and by tests whose database was flushed. Later
wordings are new versions (messaging.services.template_create); the WhatsApp names are those submitted to
Meta for approval with the same text and placeholders."""

STOP = " Balas BERHENTI bila tidak ingin menerima pesan ini."
TEMPLATES = [
    (
        "pengingat_jatuh_tempo",
        "reminder",
        "Iuran BPJS Ketenagakerjaan {bulan}",
        "Halo {nama_depan}, iuran BPJS Ketenagakerjaan Anda untuk {bulan} sebesar {iuran} jatuh tempo "
        "{jatuh_tempo}. {cara_bayar}" + STOP,
        ["nama_depan", "bulan", "iuran", "jatuh_tempo", "cara_bayar"],
        "cakupan_pengingat_jatuh_tempo",
    ),
    (
        "pengingat_terlewat",
        "reminder",
        "Iuran {bulan} belum terbayar",
        "Halo {nama_depan}, iuran BPJS Ketenagakerjaan {bulan} ({iuran}) belum terbayar. Bayar sebelum "
        "{batas} agar perlindungan kecelakaan kerja dan kematian tetap aktif. {cara_bayar}" + STOP,
        ["nama_depan", "bulan", "iuran", "batas", "cara_bayar"],
        "cakupan_pengingat_terlewat",
    ),
    (
        "pengingat_nonaktif",
        "reminder",
        "Perlindungan Anda akan nonaktif",
        "Halo {nama_depan}, perlindungan BPJS Ketenagakerjaan Anda menjadi nonaktif pada {tanggal_nonaktif} "
        "bila iuran ({iuran} per bulan) belum dibayar. {cara_bayar}" + STOP,
        ["nama_depan", "tanggal_nonaktif", "iuran", "cara_bayar"],
        "cakupan_pengingat_nonaktif",
    ),
    (
        "sosialisasi_umum",
        "literacy",
        "Terlindungi BPJS Ketenagakerjaan mulai {iuran} sebulan",
        "Halo {nama_depan}, dengan {iuran} sebulan Anda terlindungi BPJS Ketenagakerjaan: biaya pengobatan "
        "kecelakaan kerja tanpa batas dan santunan kematian {santunan_jkm} untuk keluarga. Daftar lewat "
        "operator desa {desa}." + STOP,
        ["nama_depan", "iuran", "santunan_jkm", "desa"],
        "cakupan_sosialisasi_umum",
    ),
    (
        "pemberitahuan_perpanjangan",
        "funder_notice",
        "Perpanjangan {program} mulai {bulan}",
        "Yth. {nama}, {jumlah} pekerja yang dilindungi {program} perlu diperpanjang mulai {bulan} ({biaya}): "
        "{tindakan} Lihat {tautan}",
        ["nama", "program", "bulan", "jumlah", "biaya", "tindakan", "tautan"],
        "cakupan_pemberitahuan_perpanjangan",
    ),
    (
        "kode_sekali_pakai",
        "otp",
        "Kode Cakupan Anda",
        "Kode Cakupan Anda: {kode}. Berlaku {menit} menit. Jangan berikan kode ini kepada siapa pun, "
        "termasuk petugas.",
        ["kode", "menit"],
        "cakupan_kode_sekali_pakai",
    ),
    # SERTAKAN (cakupan.sponsors): the request to the worker by SMS, then e-mails to the sponsor.
    (
        "sertakan_persetujuan",
        "sertakan",
        "Ada yang ingin membayar iuran BPJS Ketenagakerjaan Anda",
        "Halo {nama_depan}, {sponsor} ingin membayar iuran BPJS Ketenagakerjaan Anda (perlindungan "
        "kecelakaan kerja dan kematian). Setujui atau tolak di {tautan} sebelum {batas}. Tidak ada biaya "
        "untuk Anda; abaikan bila tidak kenal.",
        ["nama_depan", "sponsor", "tautan", "batas"],
        "cakupan_sertakan_persetujuan",
    ),
    (
        "sertakan_tanda_terima",
        "receipt",
        "Tanda terima SERTAKAN {nomor}",
        "Terima kasih, {nama}. Pembayaran {jumlah} untuk {tujuan} sudah kami terima (nomor {nomor}). "
        "Tanda terima dan kodenya untuk diperiksa siapa saja: {tautan}",
        ["nama", "jumlah", "tujuan", "nomor", "tautan"],
        "cakupan_sertakan_tanda_terima",
    ),
    (
        "sertakan_aktif",
        "sertakan",
        "{pekerja} kini terlindungi",
        "Kabar baik: BPJS Ketenagakerjaan sudah mencatat perlindungan {pekerja} sampai {sampai}, dari "
        "iuran yang Anda bayar. Lihat {tautan}",
        ["pekerja", "sampai", "tautan"],
        "cakupan_sertakan_aktif",
    ),
    (
        "sertakan_akan_habis",
        "sertakan",
        "Perlindungan {pekerja} berakhir {sampai}",
        "Perlindungan BPJS Ketenagakerjaan {pekerja} berakhir {sampai}. Tanpa iuran berikutnya, "
        "perlindungannya berhenti. Perpanjang dengan satu ketukan: {tautan}",
        ["pekerja", "sampai", "tautan"],
        "cakupan_sertakan_akan_habis",
    ),
    (
        "sertakan_pembayaran_gagal",
        "sertakan",
        "Pembayaran berulang {jumlah} ditolak",
        "Pembayaran berulang {jumlah} untuk {pekerja} ditolak bank penerbit kartu. Tidak ada uang yang "
        "ditarik. Bayar dengan cara lain di {tautan}",
        ["jumlah", "pekerja", "tautan"],
        "cakupan_sertakan_pembayaran_gagal",
    ),
    (
        "sertakan_dihentikan",
        "sertakan",
        "Dukungan SERTAKAN dihentikan",
        "{pekerja} memilih menghentikan dukungan Anda. Bulan yang sudah dibayar tetap melindunginya; tidak "
        "ada tagihan berikutnya. Terima kasih atas kepedulian Anda.",
        ["pekerja"],
        "cakupan_sertakan_dihentikan",
    ),
    # Claims (cakupan.claims): news for the family that reported, and escalations to the staff who follow up.
    (
        "klaim_dokumen_kurang",
        "claim_update",
        "Klaim {nomor}: dokumen yang masih diperlukan",
        "Klaim BPJS Ketenagakerjaan {nomor} ({jenis}) tercatat. Dokumen yang masih diperlukan: {dokumen}. "
        "Bawa ke operator desa atau kantor BPJS TK. Cek status di {tautan}",
        ["nomor", "jenis", "dokumen", "tautan"],
        "cakupan_klaim_dokumen_kurang",
    ),
    (
        "klaim_lengkap",
        "claim_update",
        "Klaim {nomor}: berkas lengkap",
        "Berkas klaim {nomor} ({jenis}) sudah lengkap pada {lengkap}. Menurut standar layanan, manfaat "
        "dibayar paling lambat {batas}.",
        ["nomor", "jenis", "lengkap", "batas"],
        "cakupan_klaim_lengkap",
    ),
    (
        "klaim_dibayar",
        "claim_update",
        "Klaim {nomor} dibayar",
        "Klaim {nomor} ({jenis}) telah dibayar BPJS Ketenagakerjaan sebesar {jumlah} pada {tanggal}. "
        "Periksa rekening penerima.",
        ["nomor", "jenis", "jumlah", "tanggal"],
        "cakupan_klaim_dibayar",
    ),
    (
        "klaim_ditolak",
        "claim_update",
        "Klaim {nomor} tidak disetujui",
        "Klaim {nomor} ({jenis}) tidak disetujui BPJS Ketenagakerjaan: {alasan}. Tanyakan ke operator desa "
        "atau kantor BPJS TK terdekat.",
        ["nomor", "jenis", "alasan"],
        "cakupan_klaim_ditolak",
    ),
    (
        "klaim_eskalasi",
        "claim_update",
        "Eskalasi klaim {nomor}: {keadaan}",
        "Klaim {nomor} ({jenis}, {wilayah}) {keadaan}: batas bayar {batas}, {hari} dari {hari_layanan} hari "
        "kerja sudah berjalan. Tindak lanjuti di {tautan}",
        ["nomor", "jenis", "wilayah", "keadaan", "batas", "hari", "hari_layanan", "tautan"],
        "cakupan_klaim_eskalasi",
    ),
    # Field agents (cakupan.agents): the back-check of a registration, answered by SMS with YA or TIDAK.
    (
        "cek_ulang_pendaftaran",
        "back_check",
        "Konfirmasi pendaftaran BPJS Ketenagakerjaan",
        "Halo {nama_depan}, agen {agen} mendaftarkan Anda ke BPJS Ketenagakerjaan pada {tanggal}. "
        "Benarkah Anda bertemu agen itu dan setuju didaftarkan? Balas YA atau TIDAK.",
        ["nama_depan", "agen", "tanggal"],
        "cakupan_cek_ulang_pendaftaran",
    ),
]


def seed_templates(MessageTemplate) -> None:
    """Creates version 1 of each template that is missing (the model class may be a migration's)."""
    for key, purpose, subject, body, variables, whatsapp_name in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            key=key,
            version=1,
            defaults={
                "purpose": purpose,
                "subject": subject,
                "body": body,
                "variables": variables,
                "whatsapp_name": whatsapp_name,
                "language": "id",
            },
        )
