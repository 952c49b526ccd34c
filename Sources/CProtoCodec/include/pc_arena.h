/*
 * A bump allocator for the protobuf-c structs that ProtoCodec builds and reads.
 *
 * Hand-written (not generated). Decoding hands it to protobuf_c_message_unpack as the
 * allocator, so the many small allocations of an unpacked message cost a pointer bump and
 * the whole message is released with one call; encoding builds the C struct tree in it.
 */
#ifndef PC_ARENA_H
#define PC_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

typedef struct PCBlock {
	struct PCBlock *next;
	size_t size;
	size_t used;
	/* followed by `size` bytes, 16-aligned */
} PCBlock;

typedef struct PCArena {
	ProtobufCAllocator allocator;
	PCBlock *head;
	size_t total;
} PCArena;

#define PC_ALIGN 16u
#define PC_HEADER ((sizeof(PCBlock) + PC_ALIGN - 1) & ~(size_t)(PC_ALIGN - 1))

/** A new arena whose first block holds at least `first_block` bytes. NULL if out of memory. */
PCArena *pc_arena_create(size_t first_block);

/** Frees every block of the arena and the arena itself. */
void pc_arena_destroy(PCArena *arena);

/**
 * The calling thread's cached arena, empty, or a new one when it is in use (or none is
 * cached). Hand it back with pc_arena_release. Reusing one arena per thread makes a message's
 * encoding or decoding cost no malloc at all once the thread has seen a message that size.
 */
PCArena *pc_arena_acquire(size_t first_block);

/**
 * Ends a use of an arena from pc_arena_acquire: emptied and cached for the thread (kept as
 * one block of the size it grew to, up to a cap), or destroyed.
 */
void pc_arena_release(PCArena *arena);

/** Slow path of pc_arena_alloc: a new block. */
void *pc_arena_alloc_block(PCArena *arena, size_t rounded);

/** `size` bytes aligned to 16, uninitialised. NULL if out of memory. Inline: the fast path
 * is a pointer bump, called for every string and sub-message. */
static inline void *pc_arena_alloc(PCArena *arena, size_t size)
{
	size_t rounded = (size + PC_ALIGN - 1) & ~(size_t)(PC_ALIGN - 1);
	PCBlock *block = arena->head;
	if (rounded < size || block->size - block->used < rounded)
		return pc_arena_alloc_block(arena, rounded < size ? (size_t)-1 : rounded);
	void *pointer = (char *)block + PC_HEADER + block->used;
	block->used += rounded;
	arena->total += rounded;
	return pointer;
}

/** `size` bytes aligned to 16, zeroed. NULL if out of memory. */
void *pc_arena_calloc(PCArena *arena, size_t size);

/**
 * A NUL-terminated copy of `len` bytes. Sets *has_nul to 1 when the bytes themselves hold a
 * NUL: protobuf-c keeps strings as `char *`, so such a string would be cut silently.
 * One pass copies and looks for NUL (the compiler vectorises it); most strings of the API are
 * short, where this beats memcpy followed by memchr.
 */
static inline char *pc_arena_strndup(PCArena *arena, const char *src, size_t len, int *has_nul)
{
	char *copy = (char *)pc_arena_alloc(arena, len + 1);
	if (copy == NULL)
		return NULL;
	unsigned char zero = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		copy[i] = (char)c;
		zero |= (unsigned char)(c == 0);
	}
	copy[len] = '\0';
	*has_nul = zero;
	return copy;
}

/** A copy of `len` bytes (no terminator); a non-NULL pointer even when len is 0. */
uint8_t *pc_arena_memdup(PCArena *arena, const void *src, size_t len);

/** The protobuf-c allocator view of the arena; its free is a no-op. */
ProtobufCAllocator *pc_arena_allocator(PCArena *arena);

/** Bytes handed out so far (for tests). */
size_t pc_arena_used(const PCArena *arena);

#endif
