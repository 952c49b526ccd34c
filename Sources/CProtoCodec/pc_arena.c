/* Hand-written (not generated): see include/pc_arena.h. */
#include "pc_arena.h"

#include <stdlib.h>
#include <string.h>

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

static void pc_blocks_free(PCBlock *block)
{
	while (block != NULL) {
		PCBlock *next = block->next;
		free(block);
		block = next;
	}
}

void pc_arena_destroy(PCArena *arena)
{
	if (arena == NULL)
		return;
	pc_blocks_free(arena->head);
	free(arena);
}

/* Arenas larger than this are not kept for reuse: one huge message should not pin memory. */
#define PC_CACHE_LIMIT ((size_t)8 << 20)

static _Thread_local PCArena *pc_cached;

PCArena *pc_arena_acquire(size_t first_block)
{
	PCArena *arena = pc_cached;
	if (arena == NULL)
		return pc_arena_create(first_block);
	pc_cached = NULL;
	if (arena->head->size < first_block) {
		/* Too small for what is coming: start with one block of the right size. */
		pc_arena_destroy(arena);
		return pc_arena_create(first_block);
	}
	return arena;
}

void pc_arena_release(PCArena *arena)
{
	size_t capacity = 0;
	for (PCBlock *block = arena->head; block != NULL; block = block->next)
		capacity += block->size;
	if (pc_cached != NULL || capacity > PC_CACHE_LIMIT) {
		pc_arena_destroy(arena);
		return;
	}
	if (arena->head->next != NULL) {
		/* It grew: replace its blocks by one that holds all of it next time. */
		PCBlock *single = pc_block_new(capacity, NULL);
		if (single == NULL) {
			pc_arena_destroy(arena);
			return;
		}
		pc_blocks_free(arena->head);
		arena->head = single;
	}
	arena->head->used = 0;
	arena->total = 0;
	pc_cached = arena;
}

void *pc_arena_alloc_block(PCArena *arena, size_t rounded)
{
	if (rounded == (size_t)-1)
		return NULL; /* the size overflowed when rounded */
	size_t next_size = arena->head->size * 2;
	if (next_size < rounded)
		next_size = rounded;
	PCBlock *block = pc_block_new(next_size, arena->head);
	if (block == NULL)
		return NULL;
	arena->head = block;
	block->used = rounded;
	arena->total += rounded;
	return (char *)block + PC_HEADER;
}

void *pc_arena_calloc(PCArena *arena, size_t size)
{
	void *pointer = pc_arena_alloc(arena, size);
	if (pointer != NULL)
		memset(pointer, 0, size);
	return pointer;
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
