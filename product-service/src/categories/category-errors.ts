import { DomainError } from '@ecom/service-kit';

export class CategoryNotFound extends DomainError {
  constructor() {
    super('not_found', 'Category not found');
  }
}

/** The unique name index refused the write: names are unique case-insensitively. */
export class DuplicateCategoryName extends DomainError {
  constructor(cause?: unknown) {
    super('conflict', 'A category with this name already exists', { cause });
  }
}

export class CategoryHasProducts extends DomainError {
  constructor(products: number) {
    super('conflict', 'Category still has products; move or delete them first', { details: { products } });
  }
}
