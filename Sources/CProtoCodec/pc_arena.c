/* Hand-written (not generated): see include/pc_arena.h. */
#include "pc_arena.h"

#include <stdlib.h>
#include <string.h>

typedef struct PCBlock {
	struct PCBlock *next;
	size_t size;
	size_t used;
	/* followed by `size` bytes, 16-aligned */
} PCBlock;

struct PCArena {
	ProtobufCAllocator allocator; /* first, so the allocator pointer is the arena pointer */
	PCBlock *head;
	size_t total;
};

#define PC_ALIGN 16u
#define PC_HEADER ((sizeof(PCBlock) + PC_ALIGN - 1) & ~(size_t)(PC_ALIGN - 1))

static void *pc_allocator_alloc(void *data, size_t size)
{
	return pc_arena_alloc((PCArena *)data, size);
}

static void pc_allocator_free(void *data, void *pointer)
{
	(void)data;
	(void)pointer; /* released with the arena */
}

static PCBlock *pc_block_new(size_t size, PCBlock *next)
{
	PCBlock *block = malloc(PC_HEADER + size);
	if (block == NULL)
		return NULL;
	block->next = next;
	block->size = size;
	block->used = 0;
	return block;
}

PCArena *pc_arena_create(size_t first_block)
{
	PCArena *arena = malloc(sizeof(PCArena));
	if (arena == NULL)
		return NULL;
	if (first_block < 256)
		first_block = 256;
	arena->head = pc_block_new(first_block, NULL);
	if (arena->head == NULL) {
		free(arena);
		return NULL;
	}
	arena->allocator.alloc = pc_allocator_alloc;
	arena->allocator.free = pc_allocator_free;
	arena->allocator.allocator_data = arena;
	arena->total = 0;
	return arena;
}

void pc_arena_destroy(PCArena *arena)
{
	if (arena == NULL)
		return;
	PCBlock *block = arena->head;
	while (block != NULL) {
		PCBlock *next = block->next;
		free(block);
		block = next;
	}
	free(arena);
}

void *pc_arena_alloc(PCArena *arena, size_t size)
{
	size_t rounded = (size + PC_ALIGN - 1) & ~(size_t)(PC_ALIGN - 1);
	if (rounded < size)
		return NULL; /* overflow */
	PCBlock *block = arena->head;
	if (block->size - block->used < rounded) {
		size_t next_size = block->size * 2;
		if (next_size < rounded)
			next_size = rounded;
		block = pc_block_new(next_size, arena->head);
		if (block == NULL)
			return NULL;
		arena->head = block;
	}
	void *pointer = (char *)block + PC_HEADER + block->used;
	block->used += rounded;
	arena->total += rounded;
	return pointer;
}

void *pc_arena_calloc(PCArena *arena, size_t size)
{
	void *pointer = pc_arena_alloc(arena, size);
	if (pointer != NULL)
		memset(pointer, 0, size);
	return pointer;
}

char *pc_arena_strndup(PCArena *arena, const char *src, size_t len, int *has_nul)
{
	char *copy = pc_arena_alloc(arena, len + 1);
	if (copy == NULL)
		return NULL;
	if (len > 0)
		memcpy(copy, src, len);
	copy[len] = '\0';
	*has_nul = len > 0 && memchr(src, 0, len) != NULL;
	return copy;
}

uint8_t *pc_arena_memdup(PCArena *arena, const void *src, size_t len)
{
	uint8_t *copy = pc_arena_alloc(arena, len == 0 ? 1 : len);
	if (copy != NULL && len > 0)
		memcpy(copy, src, len);
	return copy;
}

ProtobufCAllocator *pc_arena_allocator(PCArena *arena)
{
	return &arena->allocator;
}

size_t pc_arena_used(const PCArena *arena)
{
	return arena->total;
}
