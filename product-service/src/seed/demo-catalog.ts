/** A deterministic demo catalog: the same 6 categories and 240 products on every run. */
export interface DemoCategory {
  name: string;
  description: string;
  code: string;
  nouns: Array<[noun: string, basePrice: number]>;
}

export interface DemoProduct {
  sku: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  stock: number;
}

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Pro'];

export const DEMO_CATEGORIES: DemoCategory[] = [
  {
    name: 'Electronics',
    description: 'Gadgets, audio and accessories',
    code: 'ELEC',
    nouns: [
      ['Headphones', 59],
      ['Speaker', 45],
      ['Charger', 19],
      ['Keyboard', 39],
      ['Mouse', 24],
      ['Webcam', 49],
      ['Monitor', 179],
      ['Power Bank', 29],
    ],
  },
  {
    name: 'Books',
    description: 'Fiction, non-fiction and reference',
    code: 'BOOK',
    nouns: [
      ['Novel', 14],
      ['Cookbook', 22],
      ['Atlas', 35],
      ['Biography', 18],
      ['Poetry Collection', 12],
      ['Travel Guide', 16],
      ['Science Primer', 25],
      ['Comic Anthology', 20],
    ],
  },
  {
    name: 'Home & Kitchen',
    description: 'Cookware, storage and decor',
    code: 'HOME',
    nouns: [
      ['Frying Pan', 34],
      ['Knife Set', 59],
      ['Blender', 69],
      ['Kettle', 29],
      ['Cutting Board', 15],
      ['Lamp', 39],
      ['Storage Box', 12],
      ['Coffee Grinder', 44],
    ],
  },
  {
    name: 'Sports & Outdoors',
    description: 'Gear for training and adventures',
    code: 'SPRT',
    nouns: [
      ['Yoga Mat', 25],
      ['Water Bottle', 12],
      ['Tent', 149],
      ['Backpack', 64],
      ['Dumbbell', 30],
      ['Running Cap', 15],
      ['Headlamp', 22],
      ['Jump Rope', 9],
    ],
  },
  {
    name: 'Toys & Games',
    description: 'Play for every age',
    code: 'TOYS',
    nouns: [
      ['Puzzle', 16],
      ['Board Game', 32],
      ['Building Set', 45],
      ['Plush Bear', 18],
      ['Card Game', 11],
      ['Kite', 21],
      ['Train Set', 79],
      ['Science Kit', 36],
    ],
  },
  {
    name: 'Clothing',
    description: 'Everyday wear and layers',
    code: 'CLTH',
    nouns: [
      ['T-Shirt', 15],
      ['Hoodie', 42],
      ['Rain Jacket', 89],
      ['Socks', 8],
      ['Scarf', 19],
      ['Beanie', 14],
      ['Chinos', 49],
      ['Sneakers', 74],
    ],
  },
];

export function demoProducts(): DemoProduct[] {
  const products: DemoProduct[] = [];
  let serial = 0;
  for (const category of DEMO_CATEGORIES) {
    category.nouns.forEach(([noun, basePrice], nounIndex) => {
      ADJECTIVES.forEach((adjective, adjectiveIndex) => {
        serial += 1;
        const number = nounIndex * ADJECTIVES.length + adjectiveIndex + 1;
        // Whole amounts ending in .99, spread around the noun's base price.
        const priceCents = Math.round(basePrice * (0.8 + adjectiveIndex * 0.15)) * 100 + 99;
        products.push({
          sku: `DEMO-${category.code}-${String(number).padStart(3, '0')}`,
          name: `${adjective} ${noun}`,
          description: `${adjective} ${noun.toLowerCase()} from the ${category.name.toLowerCase()} range.`,
          category: category.name,
          priceCents,
          // Every 17th product is sold out, so the inStock filter has something to hide.
          stock: serial % 17 === 0 ? 0 : ((serial * 37) % 150) + 5,
        });
      });
    });
  }
  return products;
}
