import { DomainError } from '@ecom/service-kit';

export class ProductNotFound extends DomainError {
  constructor() {
    super('not_found', 'Product not found');
  }
}

/** The unique SKU index refused the write: another product has it. */
export class DuplicateSku extends DomainError {
  constructor(cause?: unknown) {
    super('conflict', 'A product with this SKU already exists', { cause });
  }
}

/** Products name an existing category (details in the shape of a validation issue on `category`). */
export class UnknownCategory extends DomainError {
  constructor(name: string) {
    super('unprocessable', 'Unknown category', {
      details: [
        { path: 'category', message: `no category named "${name}"; create it first with POST /categories` },
      ],
    });
  }
}
