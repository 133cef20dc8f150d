// Personal data never reaches a vector: e-mail addresses, phone numbers and card-like numbers are
// replaced by placeholders before a profile text is embedded or hashed.

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;
/** 13–19 digits, optionally grouped by spaces or dashes: card-like, whether or not the check digit holds. */
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
/** International or local phone numbers: 7+ digits with the usual separators, optional +country and (area). */
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}\b/g;

export function scrubPersonalData(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(CARD, '[card]')
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 7 ? '[phone]' : m));
}
