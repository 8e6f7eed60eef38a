/* Cakupan field app: the interpreter of the device rulebook (GET /agen/sinkron/aturan.json).
 *
 * The rules are the server's own data (cakupan.registry.nik NIK_RULES and the import's columns), so this
 * file holds no range, code or message of its own: it only applies them the way parse_nik does, so that
 * the phone refuses what the server would refuse, with the same words (test_nik_parity.py runs both).
 * No DOM and no network here. */
(function (global) {
  "use strict";

  // Python's str.format with named fields and no format specs: the templates' only syntax.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // Python's "{:0Nd}": the sign counts in the width.
  function pad(number, width) {
    var sign = number < 0 ? "-" : "";
    var digits = String(Math.abs(number));
    while (sign.length + digits.length < width) digits = "0" + digits;
    return sign + digits;
  }

  // str.isprintable() per code point, from the rulebook's ranges of Python's own Unicode tables (the
  // browser's may be of another Unicode version). Parsed once per rulebook.
  var rangeCache = typeof WeakMap === "function" ? new WeakMap() : null;
  function notPrintableRanges(rules) {
    var cached = rangeCache && rangeCache.get(rules);
    if (cached) return cached;
    var starts = [];
    var ends = [];
    rules.not_printable.split(",").forEach(function (range) {
      var bounds = range.split("-");
      starts.push(parseInt(bounds[0], 16));
      ends.push(parseInt(bounds[bounds.length - 1], 16));
    });
    cached = { starts: starts, ends: ends };
    if (rangeCache) rangeCache.set(rules, cached);
    return cached;
  }

  function isPrintable(code, rules) {
    var ranges = notPrintableRanges(rules);
    var low = 0;
    var high = ranges.starts.length - 1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (code < ranges.starts[middle]) high = middle - 1;
      else if (code > ranges.ends[middle]) low = middle + 1;
      else return false;
    }
    return true;
  }

  function hex(code, width) {
    var text = code.toString(16);
    while (text.length < width) text = "0" + text;
    return text;
  }

  // Python's repr() of a one-character string, as the invalid-characters message quotes it.
  function pythonRepr(char, rules) {
    var quote = char === "'" ? '"' : "'";
    var code = char.codePointAt(0);
    var body;
    if (char === "\\") body = "\\\\";
    else if (char === "\t") body = "\\t";
    else if (char === "\n") body = "\\n";
    else if (char === "\r") body = "\\r";
    else if (!isPrintable(code, rules)) {
      if (code < 0x100) body = "\\x" + hex(code, 2);
      else if (code < 0x10000) body = "\\u" + hex(code, 4);
      else body = "\\U" + hex(code, 8);
    } else body = char;
    return quote + body + quote;
  }

  // str.strip(): the rulebook lists the characters Python counts as whitespace.
  function strip(text, whitespace) {
    var start = 0;
    var end = text.length;
    while (start < end && whitespace.indexOf(text.charAt(start)) >= 0) start += 1;
    while (end > start && whitespace.indexOf(text.charAt(end - 1)) >= 0) end -= 1;
    return text.slice(start, end);
  }

  function normaliseNik(raw, rules) {
    var stripped = strip(String(raw), rules.whitespace);
    var out = "";
    for (var i = 0; i < stripped.length; i += 1) {
      var char = stripped.charAt(i);
      if (rules.separators.indexOf(char) < 0) out += char;
    }
    return out;
  }

  // Sets built once per rulebook object: the district prefixes come grouped by regency ({"3602": "0102…"}).
  var prefixCache = typeof WeakMap === "function" ? new WeakMap() : null;
  function prefixSets(rules) {
    var cached = prefixCache && prefixCache.get(rules);
    if (cached) return cached;
    var districts = new Set();
    Object.keys(rules.districts).forEach(function (regency) {
      var codes = rules.districts[regency];
      for (var i = 0; i + 2 <= codes.length; i += 2) districts.add(regency + codes.slice(i, i + 2));
    });
    var sets = { provinces: new Set(rules.provinces), regencies: new Set(rules.regencies), districts: districts };
    if (prefixCache) prefixCache.set(rules, sets);
    return sets;
  }

  function part(nik, rules, name) {
    var span = rules.layout[name];
    return nik.slice(span[0], span[1]);
  }

  function issue(rules, code, values) {
    return { code: code, message: fill(rules.messages[code], values || {}) };
  }

  function parseToday(today) {
    if (typeof today === "string") {
      var bits = today.split("-");
      return { year: +bits[0], month: +bits[1], day: +bits[2] };
    }
    return today;
  }

  function compare(a, b) {
    for (var i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
  }

  // nik._resolve_year: the latest year <= today's that ends in the two digits, a century earlier when that
  // date would be after today. Compared as tuples: 29-02 is placed before knowing whether it exists.
  function resolveYear(twoDigits, month, day, today) {
    var year = today.year - ((((today.year - twoDigits) % 100) + 100) % 100);
    if (compare([year, month, day], [today.year, today.month, today.day]) > 0) year -= 100;
    return year;
  }

  function daysInMonth(year, month) {
    if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
    return [4, 6, 9, 11].indexOf(month) >= 0 ? 30 : 31;
  }

  function invalid(nik, errors) {
    return {
      nik: nik, valid: false, province_code: null, regency_code: null, district_code: null,
      birth_date: null, sex: null, serial: null, errors: errors, warnings: [],
    };
  }

  /* parse_nik(raw, today=today).to_dict(), from the rulebook's `nik` section. `today` is "YYYY-MM-DD" or
   * {year, month, day}: the date in Jakarta that decides the century of the birth year. */
  function parseNik(raw, rules, today) {
    var nik = normaliseNik(raw, rules);
    if (!nik) return invalid(nik, [issue(rules, "nik_empty")]);
    var chars = Array.from(nik); // code points, as Python counts them
    var allDigits = /^[0-9]+$/.test(nik);
    var errors = [];
    if (!allDigits || chars.length !== rules.length) {
      if (!allDigits) {
        var seen = new Set();
        var shown = [];
        chars.forEach(function (char) {
          if (!seen.has(char)) {
            seen.add(char);
            if (!(char >= "0" && char <= "9" && char.length === 1)) shown.push(char);
          }
        });
        var listed = shown.slice(0, rules.max_shown_characters).map(function (char) { return pythonRepr(char, rules); }).join(", ");
        if (shown.length > rules.max_shown_characters) {
          listed += fill(rules.more_characters, { count: shown.length - rules.max_shown_characters });
        }
        errors.push(issue(rules, "nik_invalid_characters", { characters: listed }));
      }
      if (chars.length !== rules.length) {
        errors.push(issue(rules, "nik_wrong_length", {
          length: rules.length, count: chars.length, unit: allDigits ? rules.unit_digits : rules.unit_characters,
        }));
      }
      return invalid(nik, errors);
    }

    var warnings = [];
    var prefixes = prefixSets(rules);
    var province = part(nik, rules, "province");
    var regencyCode = province + "." + part(nik, rules, "regency");
    var districtCode = regencyCode + "." + part(nik, rules, "district");
    var regencyPrefix = province + part(nik, rules, "regency");
    if (!prefixes.provinces.has(province)) {
      errors.push(issue(rules, "nik_unknown_province", { province_code: province }));
    } else if (!prefixes.regencies.has(regencyPrefix)) {
      warnings.push(issue(rules, "nik_unknown_regency", { regency_code: regencyCode }));
    } else if (!prefixes.districts.has(regencyPrefix + part(nik, rules, "district"))) {
      warnings.push(issue(rules, "nik_unknown_district", { district_code: districtCode }));
    }

    var dayDigits = part(nik, rules, "day");
    var dayField = parseInt(dayDigits, 10);
    var low = rules.days[0];
    var high = rules.days[1];
    var offset = rules.female_day_offset;
    var sex = null;
    var day = 0;
    if (dayField >= low && dayField <= high) {
      sex = "L";
      day = dayField;
    } else if (dayField >= low + offset && dayField <= high + offset) {
      sex = "P";
      day = dayField - offset;
    } else {
      errors.push(issue(rules, "nik_invalid_day", {
        digits: dayDigits,
        male_days: pad(low, 2) + "-" + pad(high, 2),
        female_days: pad(low + offset, 2) + "-" + pad(high + offset, 2),
      }));
    }

    var monthDigits = part(nik, rules, "month");
    var month = parseInt(monthDigits, 10);
    var monthOk = month >= rules.months[0] && month <= rules.months[1];
    if (!monthOk) {
      errors.push(issue(rules, "nik_invalid_month", {
        digits: monthDigits, months: pad(rules.months[0], 2) + "-" + pad(rules.months[1], 2),
      }));
    }

    var birthDate = null;
    if (sex !== null && monthOk) {
      var year = resolveYear(parseInt(part(nik, rules, "year"), 10), month, day, parseToday(today));
      if (year >= 1 && year <= 9999 && day >= 1 && day <= daysInMonth(year, month)) {
        birthDate = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
      } else {
        errors.push(issue(rules, "nik_invalid_birth_date", { day: pad(day, 2), month: pad(month, 2), year: pad(year, 4) }));
      }
    }

    var serial = part(nik, rules, "serial");
    if (serial === rules.invalid_serial) errors.push(issue(rules, "nik_invalid_serial", { serial: serial }));

    return {
      nik: nik, valid: errors.length === 0, province_code: province, regency_code: regencyCode,
      district_code: districtCode, birth_date: birthDate, sex: sex, serial: serial, errors: errors,
      warnings: warnings,
    };
  }

  // Today's date in Jakarta (WIB, UTC+7 all year), whatever the phone's own time zone.
  function todayInJakarta(now) {
    var moment = now || new Date();
    try {
      return new Intl.DateTimeFormat("en-CA", {
        timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit",
      }).format(moment);
    } catch (error) {
      return new Date(moment.getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    }
  }

  /* The desa as typed: a code of the user's list (with or without dots) or a name of it; the village, or
   * null when it is not in the list. */
  function findVillage(text, villages) {
    var value = String(text || "").replace(/\s+/g, " ").trim();
    if (!value) return null;
    var code = value.replace(/\s/g, "");
    if (/^[0-9]{10}$/.test(code)) code = [code.slice(0, 2), code.slice(2, 4), code.slice(4, 6), code.slice(6)].join(".");
    var byName = [];
    var key = value.toLowerCase();
    for (var i = 0; i < villages.length; i += 1) {
      if (villages[i].code === code) return villages[i];
      if (villages[i].name.toLowerCase() === key || villageLabel(villages[i]).toLowerCase() === key) byName.push(villages[i]);
    }
    return byName.length === 1 ? byName[0] : null;
  }

  function villageLabel(village) {
    return village.district ? village.name + ", Kec. " + village.district : village.name;
  }

  // The import's income reading (registry.intake.validate.fields._with_income): Rp, spaces, thousands dots.
  function readIncome(text) {
    var value = String(text || "").replace(/^rp\.?/i, "").replace(/\s/g, "");
    var minus = value.charAt(0) === "-";
    if (minus) value = value.slice(1);
    var whole = null;
    if (/^[0-9]+$/.test(value)) whole = value;
    else if (/^[0-9]{1,3}(?:\.[0-9]{3})+$/.test(value)) whole = value.replace(/\./g, "");
    else if (/^[0-9]{1,3}(?:\.[0-9]{3})*,0+$|^[0-9]+,0+$/.test(value)) whole = value.replace(/,0+$/, "").replace(/\./g, "");
    else if (/^[0-9]+\.0+$/.test(value)) whole = value.replace(/\.0+$/, "");
    var fraction = /^[0-9]+[.,][0-9]+$|^[0-9]{1,3}(?:\.[0-9]{3})*,[0-9]+$/.test(value);
    if (minus && (whole !== null || fraction)) return { code: "income_negative" };
    if (whole === null && fraction) return { code: "income_not_integer" };
    if (whole === null) return { code: "income_invalid" };
    return { value: whole.replace(/^0+(?=[0-9])/, "") };
  }

  /* One record's values checked on the phone: {errors: {field: [message]}, warnings: {field: [message]},
   * values: what will be sent, nik: the parsed NIK, village}. The server checks again on arrival. */
  function checkRecord(input, book, today) {
    var errors = {};
    var warnings = {};
    var values = {};
    function add(bucket, field, message) {
      (bucket[field] = bucket[field] || []).push(message);
    }
    book.columns.forEach(function (column) {
      values[column] = String(input[column] == null ? "" : input[column]).trim();
    });
    book.required.forEach(function (column) {
      if (!values[column]) add(errors, column, fill(book.messages.required, { label: book.labels[column] }));
    });

    var nik = null;
    if (values.nik) {
      nik = parseNik(values.nik, book.nik, today);
      nik.errors.forEach(function (found) { add(errors, "nik", found.message); });
      nik.warnings.forEach(function (found) { add(warnings, "nik", found.message); });
      if (nik.valid) values.nik = nik.nik;
    }

    if (values.nama) {
      values.nama = values.nama.replace(/\s+/g, " ").trim();
      if (Array.from(values.nama).length > book.name_max_length) add(errors, "nama", book.messages.name_too_long);
      if (book.formula_prefixes.indexOf(values.nama.charAt(0)) >= 0) add(errors, "nama", book.messages.formula_like_text);
    }

    var stated = values.tanggal_lahir;
    if (stated) {
      var iso = parseToday(today);
      var todayIso = pad(iso.year, 4) + "-" + pad(iso.month, 2) + "-" + pad(iso.day, 2);
      if (stated > todayIso) add(errors, "tanggal_lahir", book.messages.birth_date_future);
      else if (stated < book.earliest_birth_date) add(errors, "tanggal_lahir", book.messages.birth_date_too_early);
      else if (nik && nik.valid && nik.birth_date) {
        var a = stated.split("-");
        var b = nik.birth_date.split("-");
        if (a[2] !== b[2] || a[1] !== b[1] || +a[0] % 100 !== +b[0] % 100) {
          add(warnings, "tanggal_lahir", fill(book.messages.birth_date_mismatch_nik, {
            nik_birth: b[2] + "/" + b[1] + "/" + b[0].slice(2),
          }));
        }
      }
    }
    if (values.jenis_kelamin && nik && nik.valid && nik.sex && values.jenis_kelamin !== nik.sex) {
      add(warnings, "jenis_kelamin", fill(book.messages.sex_mismatch_nik, { nik_sex: nik.sex }));
    }

    var village = null;
    if (values.kode_desa) {
      village = findVillage(values.kode_desa, book.villages);
      if (village) values.kode_desa = village.code;
      else add(errors, "kode_desa", fill(book.messages.desa_outside_area, { value: values.kode_desa }));
    }

    if (values.penghasilan) {
      var income = readIncome(values.penghasilan);
      if (income.code) add(errors, "penghasilan", book.messages[income.code]);
      else values.penghasilan = income.value;
    }
    if (values.desil && !/^(?:[1-9]|10)$/.test(values.desil.replace(/\.0+$/, ""))) {
      add(errors, "desil", book.messages.decile_invalid);
    }
    return { errors: errors, warnings: warnings, values: values, nik: nik, village: village };
  }

  global.CakupanRules = {
    fill: fill,
    parseNik: parseNik,
    normaliseNik: normaliseNik,
    checkRecord: checkRecord,
    findVillage: findVillage,
    villageLabel: villageLabel,
    todayInJakarta: todayInJakarta,
  };
})(typeof self !== "undefined" ? self : this);
