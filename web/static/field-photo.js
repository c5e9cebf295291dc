/* Photos on the field page: read what the original file says (EXIF location and time, pixel size) and make the
 * copy that is uploaded (at most MAX_SIDE pixels on the long side, JPEG re-encoded by a canvas, so without any of
 * the original's metadata). Loaded by field.js; exposes window.corridorFieldPhoto.
 *
 * The EXIF reader is this project's own: a JPEG's APP1 "Exif" segment holds a TIFF structure; IFD0 points to the
 * GPS IFD (tag 0x8825: latitude/longitude as degree-minute-second rationals with N/S, E/W references) and to the
 * Exif IFD (tag 0x8769: DateTimeOriginal 0x9003, "YYYY:MM:DD HH:MM:SS", and OffsetTimeOriginal 0x9011, "+08:00").
 */
"use strict";

(function () {
  const MAX_SIDE = 2048;
  const JPEG_QUALITY = 0.85;
  const MAX_ORIGINAL_BYTES = 40 * 1024 * 1024;
  const MAX_PIXELS = 40e6;  // the server refuses more than 40 MP; refuse before decoding such a file
  const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
  const TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8};

  class PhotoRefused extends Error {}

  /** ``date`` as ISO 8601 local time with this device's UTC offset: 2021-06-30T09:15:00+08:00. */
  function isoWithOffset(date) {
    const pad = (n) => String(Math.abs(n)).padStart(2, "0");
    const offset = -date.getTimezoneOffset();
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:`
      + `${pad(date.getMinutes())}:${pad(date.getSeconds())}${offset < 0 ? "-" : "+"}`
      + `${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  }

  function tiffReader(view, start) {
    const little = view.getUint16(start) === 0x4949;
    const u16 = (at) => view.getUint16(start + at, little);
    const u32 = (at) => view.getUint32(start + at, little);
    function entries(offset) {
      const found = {};
      if (offset + 2 > view.byteLength - start) return found;
      const count = u16(offset);
      for (let i = 0; i < count; i++) {
        const at = offset + 2 + i * 12;
        if (start + at + 12 > view.byteLength) break;
        const type = u16(at + 2), n = u32(at + 4), size = (TYPE_SIZES[type] || 1) * n;
        found[u16(at)] = {type: type, count: n, at: size <= 4 ? at + 8 : u32(at + 8)};
      }
      return found;
    }
    function ascii(entry) {
      let text = "";
      for (let i = 0; i < entry.count && start + entry.at + i < view.byteLength; i++) {
        const code = view.getUint8(start + entry.at + i);
        if (code === 0) break;
        text += String.fromCharCode(code);
      }
      return text;
    }
    function rationals(entry) {
      const values = [];
      for (let i = 0; i < entry.count; i++) {
        const denominator = u32(entry.at + i * 8 + 4);
        values.push(denominator ? u32(entry.at + i * 8) / denominator : NaN);
      }
      return values;
    }
    return {entries: entries, ascii: ascii, rationals: rationals, u32: u32, first: () => u32(4)};
  }

  function degrees(tiff, value, reference, negative) {
    if (!value || !reference || value.type !== 5 || value.count !== 3) return null;
    const [d, m, s] = tiff.rationals(value);
    const result = d + m / 60 + s / 3600;
    if (!Number.isFinite(result)) return null;
    return tiff.ascii(reference).toUpperCase() === negative ? -result : result;
  }

  function takenAt(tiff, exif) {
    const stamp = exif[0x9003] ? tiff.ascii(exif[0x9003]) : "";
    const match = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(stamp);
    if (!match) return null;
    const offset = exif[0x9011] ? tiff.ascii(exif[0x9011]) : "";
    const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
    if (/^[+-]\d{2}:\d{2}$/.test(offset)) return iso + offset;
    // No offset recorded: the camera's clock is taken to run on this device's local time (an assumption).
    const local = new Date(iso);
    return Number.isNaN(local.getTime()) ? null : isoWithOffset(local);
  }

  function readExif(view, start) {
    const tiff = tiffReader(view, start);
    const ifd0 = tiff.entries(tiff.first());
    const gps = ifd0[0x8825] ? tiff.entries(tiff.u32(ifd0[0x8825].at)) : {};
    const exif = ifd0[0x8769] ? tiff.entries(tiff.u32(ifd0[0x8769].at)) : {};
    const lat = degrees(tiff, gps[2], gps[1], "S"), lon = degrees(tiff, gps[4], gps[3], "W");
    const located = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    return {lat: located ? lat : null, lon: located ? lon : null, taken_at: takenAt(tiff, exif)};
  }

  function jpegFacts(view) {
    const facts = {lat: null, lon: null, taken_at: null, width: null, height: null};
    let at = 2;
    while (at + 4 <= view.byteLength && view.getUint8(at) === 0xff) {
      const marker = view.getUint8(at + 1), length = view.getUint16(at + 2);
      if (marker === 0xe1 && at + 10 <= view.byteLength && view.getUint32(at + 4) === 0x45786966) {
        try { Object.assign(facts, readExif(view, at + 10)); } catch (error) { /* a damaged EXIF block: no facts */ }
      }
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        facts.height = view.getUint16(at + 5);
        facts.width = view.getUint16(at + 7);
        break;
      }
      at += 2 + length;
    }
    return facts;
  }

  /** Location, time and pixel size from the original file's header (nulls where the file does not say). */
  async function originalFacts(file) {
    const view = new DataView(await file.slice(0, 256 * 1024).arrayBuffer());
    if (view.byteLength > 4 && view.getUint16(0) === 0xffd8) return jpegFacts(view);
    if (view.byteLength > 24 && view.getUint32(0) === 0x89504e47) {
      return {lat: null, lon: null, taken_at: null, width: view.getUint32(16), height: view.getUint32(20)};
    }
    return {lat: null, lon: null, taken_at: null, width: null, height: null};
  }

  function refuseEarly(file, facts) {
    if (!file.type.startsWith("image/")) throw new PhotoRefused(`「${file.name}」不是图片文件，仅支持 JPEG、PNG、WebP 照片。`);
    if (file.size > MAX_ORIGINAL_BYTES) {
      throw new PhotoRefused(`「${file.name}」过大（${(file.size / 1048576).toFixed(1)} MB），原图不得超过 40 MB。`);
    }
    if (facts.width && facts.height && facts.width * facts.height > MAX_PIXELS) {
      throw new PhotoRefused(`「${file.name}」像素过多（${facts.width}×${facts.height}），不得超过 4000 万像素。`);
    }
  }

  async function decode(file) {
    try {
      return await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (error) {
      throw new PhotoRefused(`「${file.name}」无法识别为图片（文件损坏或格式不支持），仅支持 JPEG、PNG、WebP 照片。`);
    }
  }

  /** The upload copy of ``file`` and the facts read from the original: {blob, width, height, lat, lon, taken_at}.
   * Throws PhotoRefused (its message is for the user) for a file that is not a usable photo. */
  async function preparePhoto(file) {
    const facts = await originalFacts(file);
    refuseEarly(file, facts);
    const bitmap = await decode(file);
    if (bitmap.width * bitmap.height > MAX_PIXELS) {
      throw new PhotoRefused(`「${file.name}」像素过多（${bitmap.width}×${bitmap.height}），不得超过 4000 万像素。`);
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
    if (!blob) throw new PhotoRefused(`「${file.name}」无法转换为 JPEG。`);
    if (blob.size > MAX_UPLOAD_BYTES) throw new PhotoRefused(`「${file.name}」压缩后仍超过 8 MB。`);
    return {blob: blob, width: canvas.width, height: canvas.height, lat: facts.lat, lon: facts.lon,
            taken_at: facts.taken_at};
  }

  window.corridorFieldPhoto = {preparePhoto: preparePhoto, originalFacts: originalFacts, PhotoRefused: PhotoRefused,
                               isoWithOffset: isoWithOffset, MAX_SIDE: MAX_SIDE};
})();
