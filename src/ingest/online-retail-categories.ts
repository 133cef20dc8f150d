// The Online Retail data has no category column, so categories are read off the description. Rules
// are tried in order and the first match wins (a "CHRISTMAS CANDLE" is Christmas before candles).
// Codes that are not goods (postage, fees, manual adjustments) are `non-product` and are left out
// of category features downstream.

const NON_PRODUCT_CODES = /^(POST|DOT|M|m|C2|D|S|B|BANK CHARGES|AMAZONFEE|CRUK|PADS|DCGS\w*|gift_\w+)$/;

const RULES: ReadonlyArray<readonly [category: string, pattern: RegExp]> = [
  ['christmas', /CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|NATIVITY|BAUBLE/],
  ['easter', /EASTER|BUNNY|CHICK\b/],
  ['candles & lights', /CANDLE|T-LIGHT|TLIGHT|LANTERN|LIGHTS?\b|LAMP|INCENSE|OIL BURNER|NIGHT ?LIGHT/],
  ['jewellery', /NECKLACE|EARRING|BRACELET|\bRING\b|BROOCH|DIAMANTE|BEAD|CHARM|JEWEL/],
  ['bags & storage', /\bBAG\b|BAGS|\bBOX\b|BOXES|BASKET|TIN\b|TINS|STORAGE|JAR\b|JARS|HOLDALL|PURSE|CASE/],
  [
    'kitchen & dining',
    /MUG|CUP|TEAPOT|TEA |COFFEE|PLATE|BOWL|CAKE|CUTLERY|NAPKIN|KITCHEN|PANTRY|BAKING|LUNCH|DINNER|JUG|TRAY|APRON|SPOON|GLASS|BOTTLE|EGG|RECIPE|COASTER|CHOPSTICK|BISCUIT|JAM\b|DOILY/,
  ],
  ['stationery & cards', /CARD|NOTEBOOK|PENCIL|\bPEN\b|PENS|STICKER|WRAP|PAPER|TAPE|ENVELOPE|CALENDAR|BOOK|DIARY|ERASER|RUBBER|STAMP|TAG/],
  ['toys & games', /TOY|GAME|JIGSAW|DOLL|PUZZLE|SPACEBOY|DOMINO|SKIPPING|BALLOON|PLAYHOUSE|CHILDRENS|KIDS|FELTCRAFT|SOLDIER|SNAKES|BUBBLE/],
  ['party & gifts', /PARTY|BIRTHDAY|GIFT|BUNTING|GARLAND|RIBBON|CONFETTI|HAT|PINATA|VOUCHER|WEDDING/],
  ['garden & outdoor', /GARDEN|PLANT|FLOWER POT|WATERING|BIRD|PARASOL|UMBRELLA|PICNIC|DOORMAT|HAMMOCK|SEED|TROWEL/],
  [
    'home decor',
    /FRAME|MIRROR|CLOCK|CUSHION|SIGN|HOOK|DRAWER|CABINET|WALL|DECORATION|ORNAMENT|VASE|HEART|DOOR|KNOB|HANGER|SHELF|TILE|PHOTO|PICTURE|STAND|RACK|HOLDER|BELL|WREATH|CUSHION|THROW|BLANKET|QUILT|CURTAIN/,
  ],
  ['bath & beauty', /BATH|SOAP|TOWEL|HAIR|COMB|MAKE UP|COSMETIC|TISSUE|SPONGE|FLANNEL|LIP|NAIL|SCENT/],
  ['fashion & accessories', /SCARF|HANDBAG|SHOPPER|SLIPPER|GLOVE|SOCK|HAT|WALLET|KEY ?RING|UMBRELLA|SHOES|APRON/],
];

export const NON_PRODUCT_CATEGORY = 'non-product';
export const OTHER_CATEGORY = 'other';

export function categorise(stockCode: string, description: string): string {
  if (NON_PRODUCT_CODES.test(stockCode)) return NON_PRODUCT_CATEGORY;
  const text = description.toUpperCase();
  for (const [category, pattern] of RULES) if (pattern.test(text)) return category;
  return OTHER_CATEGORY;
}
