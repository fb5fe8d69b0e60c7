/* Native speed-ups for building the token index (index/build.py; docs/architecture.md).
 *
 * Why C: the cold open of a large archive is bounded by per-token Python work (about
 * 60 million tokens at 100,000 records): creating a bytes object per word and looking
 * it up in a dict, then sorting every chunk to group positions by term. Here:
 *
 *   Vocab.tokenize  folds and splits each field exactly as text.fold_bytes(...).split()
 *                   does, and numbers the words in a hash table of its own (a Python
 *                   bytes object is made only when the word list is asked for). The
 *                   records' strings are gathered first, with the GIL; then they are
 *                   read with the GIL released, so the Python part of a build (facets,
 *                   dates) runs meanwhile on another thread; and with threads=2, two
 *                   threads each read half of the records, the second numbering its
 *                   words in a table of its own that is merged in afterwards, so every
 *                   word gets the id one pass in order would have given it;
 *   build_postings  turns the whole token stream into the positional index and the
 *                   postings with two counting passes (no sort), the GIL released,
 *                   each pass split over two threads at a record boundary.
 *
 * The pure-Python build (index/build.py) stays the reference: tests build the same
 * archive both ways and compare every array. Non-ASCII characters are folded by calling
 * the Python function given (text.fold_bytes on one character), cached per code point,
 * so the folding rules live in one place (text.py); a thread that meets a character not
 * cached yet takes the GIL for that call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if !defined(_WIN32) && (defined(__GNUC__) || defined(__clang__))
#include <pthread.h>
#define HAVE_THREADS 1
/* the fold cache is filled under the GIL and read by threads without it */
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#else
#define HAVE_THREADS 0
#define LOAD_ACQUIRE(p) (*(p))
#define STORE_RELEASE(p, v) (*(p) = (v))
#endif

#define GAP (-1)

/* ASCII letters lower-cased, digits and ' kept, other ASCII -> space; bytes >= 0x80
 * kept (text._BYTE_TABLE). Filled at module init. */
static unsigned char byte_table[256];

/* ------------------------------------------------------------------ growable arrays */

/* Raw allocations (usable without the GIL); on failure -1 and no Python error set. */
typedef struct {
    char *data;
    Py_ssize_t len, cap, item;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra) cap *= 2;
    char *data = PyMem_RawRealloc(b->data, (size_t)(cap * b->item));
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int buf_push_i32(Buf *b, int32_t v) {
    if (b->len == b->cap && buf_reserve(b, 1) < 0) return -1;
    ((int32_t *)b->data)[b->len++] = v;
    return 0;
}

static inline int buf_push_i64(Buf *b, int64_t v) {
    if (b->len == b->cap && buf_reserve(b, 1) < 0) return -1;
    ((int64_t *)b->data)[b->len++] = v;
    return 0;
}

static void buf_free(Buf *b) {
    PyMem_RawFree(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ word tables */

#define INLINE_KEY 16

/* A hash-table slot; words up to INLINE_KEY bytes (most) are compared in the slot
 * itself, without following the offset to their bytes. */
typedef struct {
    uint64_t hash;
    int32_t id; /* -1: empty slot */
    int32_t len;
    char key[INLINE_KEY];
} Slot;

/* Words numbered in order of first sight: an open-addressing table over the words'
 * bytes, kept one after another. Plain C memory: a thread may use it without the GIL. */
typedef struct {
    Slot *slots;
    Py_ssize_t mask; /* capacity - 1 (capacity a power of two) */
    Py_ssize_t count;
    Buf words;  /* the words' bytes (item 1) */
    Buf starts; /* int64: where word i starts; count + 1 entries */
} Table;

#define FNV_OFFSET 1469598103934665603ULL

static inline uint64_t hash_step(uint64_t h, unsigned char c) {
    return (h ^ c) * 1099511628211ULL; /* FNV-1a */
}

static inline uint64_t hash_finish(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static uint64_t hash_bytes(const unsigned char *s, Py_ssize_t n) {
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < n; i++) h = hash_step(h, s[i]);
    return hash_finish(h);
}

static void table_free(Table *t) {
    PyMem_RawFree(t->slots);
    t->slots = NULL;
    buf_free(&t->words);
    buf_free(&t->starts);
}

static int table_init(Table *t) {
    memset(t, 0, sizeof *t);
    t->words.item = 1;
    t->starts.item = 8;
    t->mask = 1023;
    t->slots = PyMem_RawMalloc(1024 * sizeof(Slot));
    if (!t->slots || buf_push_i64(&t->starts, 0) < 0) {
        table_free(t);
        return -1;
    }
    for (Py_ssize_t i = 0; i < 1024; i++) t->slots[i].id = -1;
    return 0;
}

static inline const char *table_word(const Table *t, Py_ssize_t id, Py_ssize_t *len) {
    const int64_t *starts = (const int64_t *)t->starts.data;
    *len = (Py_ssize_t)(starts[id + 1] - starts[id]);
    return t->words.data + starts[id];
}

static int table_grow(Table *t) {
    Py_ssize_t cap = (t->mask + 1) * 2;
    Slot *slots = PyMem_RawMalloc((size_t)cap * sizeof(Slot));
    if (!slots) return -1;
    for (Py_ssize_t i = 0; i < cap; i++) slots[i].id = -1;
    Py_ssize_t mask = cap - 1;
    for (Py_ssize_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].id < 0) continue;
        Py_ssize_t j = (Py_ssize_t)(t->slots[i].hash & (uint64_t)mask);
        while (slots[j].id >= 0) j = (j + 1) & mask;
        slots[j] = t->slots[i];
    }
    PyMem_RawFree(t->slots);
    t->slots = slots;
    t->mask = mask;
    return 0;
}

#define NO_MEMORY (-1)
#define TOO_MANY (-2)

/* The id of word s[0:n] (h: its hash_bytes), numbering it when new; NO_MEMORY or
 * TOO_MANY on failure (no Python error set: the GIL may not be held). */
static int32_t table_id(Table *t, const char *s, Py_ssize_t n, uint64_t h) {
    Py_ssize_t j = (Py_ssize_t)(h & (uint64_t)t->mask);
    Slot *slot;
    for (;;) {
        slot = &t->slots[j];
        if (slot->id < 0) break;
        if (slot->hash == h && slot->len == n) {
            Py_ssize_t len;
            const char *key = n <= INLINE_KEY ? slot->key : table_word(t, slot->id, &len);
            if (memcmp(key, s, (size_t)n) == 0) return slot->id;
        }
        j = (j + 1) & t->mask;
    }
    if (t->count >= INT32_MAX - 1 || n > INT32_MAX) return TOO_MANY;
    if (buf_reserve(&t->words, n) < 0 || buf_reserve(&t->starts, 1) < 0) return NO_MEMORY;
    if (n) memcpy(t->words.data + t->words.len, s, (size_t)n);
    t->words.len += n;
    ((int64_t *)t->starts.data)[t->starts.len++] = t->words.len;
    int32_t id = (int32_t)t->count++;
    slot->hash = h;
    slot->id = id;
    slot->len = (int32_t)n;
    if (n <= INLINE_KEY) memcpy(slot->key, s, (size_t)n);
    if (t->count * 2 > t->mask + 1 && table_grow(t) < 0) return NO_MEMORY;
    return id;
}

static void set_table_error(int32_t code) {
    if (code == TOO_MANY)
        PyErr_SetString(PyExc_OverflowError, "too many distinct words");
    else
        PyErr_NoMemory();
}

/* ------------------------------------------------------------------ Block */

/* Memory a tokenize filled, handed to Python as it is (the buffer protocol; numpy
 * reads it with frombuffer): a stream of some 60 million ids is not copied again. */
typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t len;
} Block;

static void Block_dealloc(Block *b) {
    PyMem_RawFree(b->data);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static int Block_getbuffer(Block *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->data, b->len, 1, flags);
}

static Py_ssize_t Block_len(Block *b) { return b->len; }

static PyBufferProcs Block_as_buffer = {(getbufferproc)Block_getbuffer, NULL};
static PySequenceMethods Block_as_sequence = {(lenfunc)Block_len};

static PyTypeObject BlockType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "archive_tui._index_native.Block",
    .tp_basicsize = sizeof(Block),
    .tp_dealloc = (destructor)Block_dealloc,
    .tp_as_buffer = &Block_as_buffer,
    .tp_as_sequence = &Block_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Read-only bytes made by tokenize (len() in bytes; use memoryview or numpy).",
};

/* A Block owning buf's memory (buf is left empty); NULL with an error set. */
static PyObject *block_from(Buf *buf) {
    Block *b = PyObject_New(Block, &BlockType);
    if (!b) return NULL;
    b->data = buf->data;
    b->len = buf->len * buf->item;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return (PyObject *)b;
}

/* ------------------------------------------------------------------ Vocab */

typedef struct {
    PyObject_HEAD
    Table table;
    PyObject *order;  /* list of bytes: id -> word, made up to date when asked for */
    PyObject **bmp;   /* folded bytes per BMP code point, filled on first sight */
    PyObject *astral; /* dict: code point beyond the BMP -> folded bytes */
    int busy;         /* a tokenize is reading with the GIL released */
    int threads_used; /* threads the last tokenize ran on */
} Vocab;

static PyObject *Vocab_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Vocab() takes no arguments");
        return NULL;
    }
    Vocab *v = (Vocab *)type->tp_alloc(type, 0);
    if (!v) return NULL;
    v->order = PyList_New(0);
    v->astral = PyDict_New();
    v->bmp = PyMem_RawCalloc(0x10000, sizeof(PyObject *));
    if (table_init(&v->table) < 0 || !v->bmp) PyErr_NoMemory();
    if (!v->order || !v->astral || !v->bmp || !v->table.slots) {
        Py_DECREF(v);
        return NULL;
    }
    return (PyObject *)v;
}

static void Vocab_dealloc(Vocab *v) {
    Py_XDECREF(v->order);
    Py_XDECREF(v->astral);
    if (v->bmp) {
        for (Py_ssize_t i = 0; i < 0x10000; i++) Py_XDECREF(v->bmp[i]);
        PyMem_RawFree(v->bmp);
    }
    table_free(&v->table);
    Py_TYPE(v)->tp_free((PyObject *)v);
}

static int check_idle(Vocab *v) {
    if (!v->busy) return 0;
    PyErr_SetString(PyExc_RuntimeError, "Vocab is in use by a running tokenize");
    return -1;
}

static Py_ssize_t Vocab_len(Vocab *v) {
    if (check_idle(v) < 0) return -1;
    return v->table.count;
}

/* Bring the word list up to date: bytes made for the words numbered since. */
static int sync_order(Vocab *v) {
    for (Py_ssize_t i = PyList_GET_SIZE(v->order); i < v->table.count; i++) {
        Py_ssize_t len;
        const char *word = table_word(&v->table, i, &len);
        PyObject *bytes = PyBytes_FromStringAndSize(word, len);
        if (!bytes) return -1;
        int rc = PyList_Append(v->order, bytes);
        Py_DECREF(bytes);
        if (rc < 0) return -1;
    }
    return 0;
}

/* vocab[word] -> id, numbering a new word (like index._Vocab: the word list that
 * ``order`` gave grows with it). */
static PyObject *Vocab_getitem(Vocab *v, PyObject *key) {
    if (check_idle(v) < 0) return NULL;
    if (!PyBytes_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "Vocab keys are bytes");
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(key);
    Py_ssize_t n = PyBytes_GET_SIZE(key);
    int32_t id = table_id(&v->table, s, n, hash_bytes((const unsigned char *)s, n));
    if (id < 0) {
        set_table_error(id);
        return NULL;
    }
    if (sync_order(v) < 0) return NULL;
    return PyLong_FromLong(id);
}

/* Folded bytes of one non-ASCII code point (borrowed, owned by the cache), via
 * fold(chr(cp)), cached. The GIL held. */
static PyObject *fold_char(Vocab *v, Py_UCS4 cp, PyObject *fold) {
    PyObject *cached;
    if (cp < 0x10000) {
        cached = v->bmp[cp];
        if (cached) return cached;
    } else {
        PyObject *key = PyLong_FromUnsignedLong(cp);
        if (!key) return NULL;
        cached = PyDict_GetItemWithError(v->astral, key);
        Py_DECREF(key);
        if (cached) return cached;
        if (PyErr_Occurred()) return NULL;
    }
    PyObject *ch = PyUnicode_FromOrdinal((int)cp);
    if (!ch) return NULL;
    PyObject *folded = PyObject_CallOneArg(fold, ch);
    Py_DECREF(ch);
    if (!folded) return NULL;
    if (!PyBytes_Check(folded)) {
        Py_DECREF(folded);
        PyErr_SetString(PyExc_TypeError, "fold must return bytes");
        return NULL;
    }
    if (cp < 0x10000) {
        STORE_RELEASE(&v->bmp[cp], folded); /* the cache owns it; threads read it */
        return folded;
    }
    PyObject *key = PyLong_FromUnsignedLong(cp);
    int rc = key ? PyDict_SetItem(v->astral, key, folded) : -1;
    Py_XDECREF(key);
    Py_DECREF(folded);
    return rc < 0 ? NULL : folded; /* the dict holds it (entries are never removed) */
}

/* One string to read: a field's value, or an item of a list field (a gap after it). */
typedef struct {
    PyObject *str; /* a reference held while tokenize runs */
    int gap_after;
} Item;

/* One thread's share of a tokenize: the segments [s_lo, s_hi). */
typedef struct {
    Vocab *v; /* for the fold cache */
    PyObject *fold;
    Table *table; /* where its words are numbered */
    const Item *items;
    const int64_t *seg_items; /* segment s reads items [seg_items[s], seg_items[s + 1]) */
    Py_ssize_t s_lo, s_hi;
    Buf *stream; /* int32 word ids, GAP after each segment and list item */
    Buf *seg;    /* int64: where each of its segments starts in its stream */
    Buf token;   /* the word being read */
    uint64_t hash;
    int gil_free;
    int failed; /* 0, NO_MEMORY, TOO_MANY, or 1: a Python error (err_*) */
    PyObject *err_type, *err_value, *err_tb;
} Worker;

static inline int end_token(Worker *w) {
    if (!w->token.len) return 0;
    int32_t id = table_id(w->table, w->token.data, w->token.len, hash_finish(w->hash));
    w->token.len = 0;
    w->hash = FNV_OFFSET;
    if (id < 0) {
        w->failed = id;
        return -1;
    }
    if (buf_push_i32(w->stream, id) < 0) {
        w->failed = NO_MEMORY;
        return -1;
    }
    return 0;
}

static inline int feed(Worker *w, unsigned char c) {
    if (c == ' ') return end_token(w);
    if (w->token.len == w->token.cap && buf_reserve(&w->token, 1) < 0) {
        w->failed = NO_MEMORY;
        return -1;
    }
    w->token.data[w->token.len++] = (char)c;
    w->hash = hash_step(w->hash, c);
    return 0;
}

/* The folded bytes of a non-ASCII code point: from the cache, else (the GIL taken for
 * the call when this thread runs without it) from fold. */
static PyObject *worker_fold(Worker *w, Py_UCS4 cp) {
    if (cp < 0x10000) {
        PyObject *cached = LOAD_ACQUIRE(&w->v->bmp[cp]);
        if (cached) return cached;
    }
    PyGILState_STATE gil = PyGILState_UNLOCKED;
    if (w->gil_free) gil = PyGILState_Ensure();
    PyObject *folded = fold_char(w->v, cp, w->fold);
    if (!folded) {
        w->failed = 1;
        PyErr_Fetch(&w->err_type, &w->err_value, &w->err_tb);
    }
    if (w->gil_free) PyGILState_Release(gil);
    return folded;
}

static inline int feed_folded(Worker *w, Py_UCS4 cp) {
    PyObject *folded = worker_fold(w, cp);
    if (!folded) return -1;
    const unsigned char *f = (const unsigned char *)PyBytes_AS_STRING(folded);
    Py_ssize_t fn = PyBytes_GET_SIZE(folded);
    for (Py_ssize_t k = 0; k < fn; k++) {
        if (feed(w, f[k]) < 0) return -1;
    }
    return 0;
}

#define READ_CHARS(TYPE)                                                   \
    do {                                                                   \
        const TYPE *p = (const TYPE *)data;                                \
        for (Py_ssize_t i = 0; i < n; i++) {                               \
            Py_UCS4 cp = p[i];                                             \
            if (cp < 0x80) {                                               \
                if (feed(w, byte_table[cp]) < 0) return -1;                \
            } else if (feed_folded(w, cp) < 0) {                           \
                return -1;                                                 \
            }                                                              \
        }                                                                  \
    } while (0)

/* Append the ids of the words of s (fold_bytes(s).split()) to the worker's stream. */
static int worker_str(Worker *w, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    const void *data = PyUnicode_DATA(s);
    w->token.len = 0;
    w->hash = FNV_OFFSET;
    switch (PyUnicode_KIND(s)) {
    case PyUnicode_1BYTE_KIND:
        READ_CHARS(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        READ_CHARS(Py_UCS2);
        break;
    default:
        READ_CHARS(Py_UCS4);
    }
    return end_token(w);
}

static void worker_run(Worker *w) {
    for (Py_ssize_t s = w->s_lo; s < w->s_hi; s++) {
        if (buf_push_i64(w->seg, w->stream->len) < 0) {
            w->failed = NO_MEMORY;
            return;
        }
        for (int64_t k = w->seg_items[s]; k < w->seg_items[s + 1]; k++) {
            if (worker_str(w, w->items[k].str) < 0) return;
            if (w->items[k].gap_after && buf_push_i32(w->stream, GAP) < 0) {
                w->failed = NO_MEMORY;
                return;
            }
        }
        if (buf_push_i32(w->stream, GAP) < 0) {
            w->failed = NO_MEMORY;
            return;
        }
    }
}

static void worker_free(Worker *w) {
    buf_free(&w->token);
    Py_CLEAR(w->err_type);
    Py_CLEAR(w->err_value);
    Py_CLEAR(w->err_tb);
}

#if HAVE_THREADS
static void *worker_thread(void *arg) {
    worker_run(arg);
    return NULL;
}
#endif

/* The second worker numbered its words in a table of its own: give each word it met
 * since the last round the main table's id (words new there numbered in the order that
 * worker first saw them, as one pass in order would), then append its stream,
 * renumbered, and its segment starts after the first worker's. No GIL needed. */
static int merge_round(Table *own, Table *main, Buf *map, const Buf *stream, const Buf *seg,
                       Buf *out, Buf *out_seg) {
    if (buf_reserve(map, own->count - map->len) < 0) return NO_MEMORY;
    int32_t *ids_of = (int32_t *)map->data;
    for (Py_ssize_t j = map->len; j < own->count; j++) {
        Py_ssize_t len;
        const char *word = table_word(own, j, &len);
        int32_t id = table_id(main, word, len, hash_bytes((const unsigned char *)word, len));
        if (id < 0) return id;
        ids_of[j] = id;
    }
    map->len = own->count;
    if (buf_reserve(out, stream->len) < 0 || buf_reserve(out_seg, seg->len) < 0)
        return NO_MEMORY;
    Py_ssize_t base = out->len;
    const int32_t *ids = (const int32_t *)stream->data;
    int32_t *to = (int32_t *)out->data + base;
    for (Py_ssize_t p = 0; p < stream->len; p++) to[p] = ids[p] >= 0 ? ids_of[ids[p]] : ids[p];
    out->len += stream->len;
    const int64_t *starts = (const int64_t *)seg->data;
    int64_t *to_seg = (int64_t *)out_seg->data + out_seg->len;
    for (Py_ssize_t k = 0; k < seg->len; k++) to_seg[k] = starts[k] + base;
    out_seg->len += seg->len;
    return 0;
}

/* Gather the strings of records[lo:hi] (references taken) into items, where each
 * (record, field) segment starts in seg_items, and the characters read up to the end
 * of each record in chars (to split the work in halves). The GIL held. */
static int gather(PyObject *records, Py_ssize_t lo, Py_ssize_t hi, PyObject *fields,
                  const char *is_list, Buf *items, Buf *seg_items, Buf *chars) {
    Py_ssize_t nf = PyTuple_GET_SIZE(fields);
    int exact_list = PyList_CheckExact(records);
    int64_t total = 0;
    for (Py_ssize_t i = lo; i < hi; i++) {
        PyObject *record, *owned_record = NULL;
        if (exact_list && i < PyList_GET_SIZE(records)) {
            record = PyList_GET_ITEM(records, i); /* no slice: no reference count written */
        } else {
            record = owned_record = PySequence_GetItem(records, i);
            if (!record) return -1;
        }
        int exact = PyDict_CheckExact(record);
        int rc = 0;
        for (Py_ssize_t f = 0; rc == 0 && f < nf; f++) {
            if (buf_push_i64(seg_items, items->len) < 0) {
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            PyObject *name = PyTuple_GET_ITEM(fields, f), *owned = NULL, *value;
            if (exact) {
                value = PyDict_GetItemWithError(record, name);
                if (!value && PyErr_Occurred()) {
                    rc = -1;
                    break;
                }
            } else {
                value = owned = PyObject_CallMethod(record, "get", "O", name);
                if (!value) {
                    rc = -1;
                    break;
                }
            }
            if (value && value != Py_None) {
                int truthy = PyObject_IsTrue(value);
                PyObject *single[1] = {value};
                PyObject **strs = NULL;
                Py_ssize_t count = 0;
                int gap = 0;
                if (truthy < 0) {
                    rc = -1;
                } else if (truthy && PyUnicode_Check(value)) {
                    strs = single;
                    count = 1;
                } else if (truthy && is_list[f] && PyList_Check(value)) {
                    strs = PySequence_Fast_ITEMS(value);
                    count = PyList_GET_SIZE(value);
                    gap = 1;
                }
                for (Py_ssize_t k = 0; rc == 0 && k < count; k++) {
                    PyObject *s = strs[k];
                    if (!PyUnicode_Check(s)) continue;
#if PY_VERSION_HEX < 0x030C0000
                    if (PyUnicode_READY(s) < 0) {
                        rc = -1;
                        break;
                    }
#endif
                    if (buf_reserve(items, 1) < 0) {
                        PyErr_NoMemory();
                        rc = -1;
                        break;
                    }
                    Item *item = &((Item *)items->data)[items->len++];
                    item->str = Py_NewRef(s);
                    item->gap_after = gap;
                    total += PyUnicode_GET_LENGTH(s);
                }
            }
            Py_XDECREF(owned);
        }
        Py_XDECREF(owned_record);
        if (rc < 0) return -1;
        if (buf_push_i64(chars, total) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    }
    if (buf_push_i64(seg_items, items->len) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Below this many characters in a round, one thread reads them all. */
#define PARALLEL_MIN_CHARS (1 << 20)
/* Records a thread reads in a round: the strings gathered are read while still in cache. */
#define ROUND_RECORDS 4096

PyDoc_STRVAR(tokenize_doc,
"tokenize(records, lo, hi, fields, list_fields, fold, threads=1) -> (ids, segment_starts)\n\n"
"Word ids of every (record, field) segment of records[lo:hi], as the pure build\n"
"(index/build.py, _chunk_tokens) makes them: int32 ids with -1 after each segment and\n"
"after each list item, and the int64 offset where each segment starts (both as\n"
"read-only buffers, for numpy.frombuffer). fold(ch) gives one non-ASCII character's\n"
"folded bytes (text.fold_bytes). The records are read a round at a time: their strings\n"
"gathered with the GIL, then read with it released; with threads=2 and enough text, by\n"
"two threads (threads_used says how many ran). Words are numbered in order of first\n"
"sight either way.");

static void release_items(Buf *items) {
    for (Py_ssize_t k = 0; k < items->len; k++) Py_DECREF(((Item *)items->data)[k].str);
    items->len = 0;
}

static PyObject *Vocab_tokenize(Vocab *v, PyObject *args) {
    PyObject *records, *fields, *list_fields, *fold;
    Py_ssize_t lo, hi;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OnnO!OO|i:tokenize", &records, &lo, &hi, &PyTuple_Type, &fields,
                          &list_fields, &fold, &threads))
        return NULL;
    if (check_idle(v) < 0) return NULL;
    Py_ssize_t total = PySequence_Length(records);
    if (total < 0) return NULL;
    if (lo < 0 || hi > total || lo > hi) {
        PyErr_SetString(PyExc_IndexError, "tokenize: lo:hi out of range");
        return NULL;
    }
    Py_ssize_t nf = PyTuple_GET_SIZE(fields);
    char *is_list = PyMem_Malloc((size_t)(nf ? nf : 1));
    if (!is_list) return PyErr_NoMemory();
    for (Py_ssize_t f = 0; f < nf; f++) {
        int c = PySequence_Contains(list_fields, PyTuple_GET_ITEM(fields, f));
        if (c < 0) {
            PyMem_Free(is_list);
            return NULL;
        }
        is_list[f] = (char)c;
    }
    Buf items = {NULL, 0, 0, sizeof(Item)}, seg_items = {NULL, 0, 0, 8}, chars = {NULL, 0, 0, 8};
    Buf out = {NULL, 0, 0, 4}, out_seg = {NULL, 0, 0, 8}; /* the result */
    Buf b_stream = {NULL, 0, 0, 4}, b_seg = {NULL, 0, 0, 8}, map = {NULL, 0, 0, 4};
    Table own = {0}; /* the second thread's words */
    Worker a = {v, fold, &v->table, NULL, NULL, 0, 0, &out, &out_seg, {NULL, 0, 0, 1},
                FNV_OFFSET, 1, 0, NULL, NULL, NULL};
    Worker b = a;
    b.table = &own;
    b.stream = &b_stream;
    b.seg = &b_seg;
    PyObject *result = NULL, *ids = NULL, *starts = NULL;
    int two = HAVE_THREADS && threads >= 2, used = 1;
    Py_ssize_t step = ROUND_RECORDS * (two ? 2 : 1);
    if (buf_reserve(&out_seg, (hi - lo) * nf + 1) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r_lo = lo; r_lo < hi; r_lo += step) {
        Py_ssize_t nrec = hi - r_lo < step ? hi - r_lo : step;
        release_items(&items);
        seg_items.len = chars.len = b_stream.len = b_seg.len = 0;
        if (gather(records, r_lo, r_lo + nrec, fields, is_list, &items, &seg_items, &chars) < 0)
            goto done;
        const int64_t *cum = (const int64_t *)chars.data;
        Py_ssize_t mid = nrec; /* the second thread's first record (nrec: none) */
        if (two && nrec >= 2 && cum[nrec - 1] >= PARALLEL_MIN_CHARS) {
            Py_ssize_t l = 0, h = nrec - 1; /* the first record whose end passes half */
            while (l < h) {
                Py_ssize_t m = (l + h) / 2;
                if (cum[m] < cum[nrec - 1] / 2) l = m + 1;
                else h = m;
            }
            mid = l + 1;
        }
        int parallel = mid < nrec;
        if (parallel && !own.slots && table_init(&own) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        a.items = b.items = (const Item *)items.data;
        a.seg_items = b.seg_items = (const int64_t *)seg_items.data;
        a.s_lo = 0;
        a.s_hi = b.s_lo = mid * nf;
        b.s_hi = nrec * nf;
        /* room for a word every four characters (pages never written are never touched) */
        int64_t text_a = mid ? cum[mid - 1] : 0, text_b = cum[nrec - 1] - text_a;
        if (buf_reserve(&out, (Py_ssize_t)(text_a / 4) + 1024) < 0 ||
            (parallel && buf_reserve(&b_stream, (Py_ssize_t)(text_b / 4) + 1024) < 0)) {
            PyErr_NoMemory();
            goto done;
        }
        int merged = 0, started = 0;
        v->busy = 1;
        Py_BEGIN_ALLOW_THREADS
#if HAVE_THREADS
        pthread_t thread;
        started = parallel && pthread_create(&thread, NULL, worker_thread, &b) == 0;
#endif
        worker_run(&a);
#if HAVE_THREADS
        if (started) pthread_join(thread, NULL);
#endif
        if (parallel && !started && !a.failed) worker_run(&b); /* no thread to be had */
        if (parallel && !a.failed && !b.failed)
            merged = merge_round(&own, &v->table, &map, &b_stream, &b_seg, &out, &out_seg);
        Py_END_ALLOW_THREADS
        v->busy = 0;
        if (started) used = 2;
        Worker *bad = a.failed ? &a : b.failed ? &b : NULL;
        if (bad) {
            if (bad->failed == 1) {
                PyErr_Restore(bad->err_type, bad->err_value, bad->err_tb);
                bad->err_type = bad->err_value = bad->err_tb = NULL;
            } else {
                set_table_error(bad->failed);
            }
            goto done;
        }
        if (merged < 0) {
            set_table_error(merged);
            goto done;
        }
    }
    v->threads_used = used;
    ids = block_from(&out);
    starts = ids ? block_from(&out_seg) : NULL;
    if (ids && starts) result = PyTuple_Pack(2, ids, starts);
done:
    v->threads_used = used;
    Py_XDECREF(ids);
    Py_XDECREF(starts);
    release_items(&items);
    buf_free(&items);
    buf_free(&seg_items);
    buf_free(&chars);
    buf_free(&out);
    buf_free(&out_seg);
    buf_free(&b_stream);
    buf_free(&b_seg);
    buf_free(&map);
    worker_free(&a);
    worker_free(&b);
    if (own.slots) table_free(&own);
    PyMem_Free(is_list);
    return result;
}

/* The word list, brought up to date (bytes made for words numbered since). */
static PyObject *Vocab_get_order(Vocab *v, void *closure) {
    if (check_idle(v) < 0 || sync_order(v) < 0) return NULL;
    return Py_NewRef(v->order);
}

static PyObject *Vocab_get_threads_used(Vocab *v, void *closure) {
    return PyLong_FromLong(v->threads_used);
}

static PyMethodDef Vocab_methods[] = {
    {"tokenize", (PyCFunction)Vocab_tokenize, METH_VARARGS, tokenize_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Vocab_getset[] = {
    {"order", (getter)Vocab_get_order, NULL, "list of words (bytes) by id", NULL},
    {"threads_used", (getter)Vocab_get_threads_used, NULL,
     "threads the last tokenize read on (0: none ran yet)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods Vocab_mapping = {
    (lenfunc)Vocab_len,
    (binaryfunc)Vocab_getitem,
    NULL,
};

static PyTypeObject VocabType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "archive_tui._index_native.Vocab",
    .tp_basicsize = sizeof(Vocab),
    .tp_dealloc = (destructor)Vocab_dealloc,
    .tp_as_mapping = &Vocab_mapping,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Words (bytes) numbered in order of first sight; vocab[word] numbers a new one.",
    .tp_methods = Vocab_methods,
    .tp_getset = Vocab_getset,
    .tp_new = Vocab_new,
};

/* ------------------------------------------------------------------ build_postings */

typedef struct {
    Py_buffer view;
    int held;
} Arg;

static int get_array(PyObject *obj, Arg *a, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(obj, &a->view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    a->held = 1;
    if (a->view.itemsize != itemsize || a->view.len % itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes", name, itemsize);
        return -1;
    }
    return 0;
}

/* A bytearray, zeroed when asked (the others are written whole by the passes). */
static PyObject *new_array(Py_ssize_t count, Py_ssize_t itemsize, char **data, int zero) {
    Py_ssize_t size = count * itemsize;
    PyObject *out = PyByteArray_FromStringAndSize(NULL, size);
    if (!out) return NULL;
    *data = PyByteArray_AS_STRING(out);
    if (zero) memset(*data, 0, (size_t)size);
    return out;
}

PyDoc_STRVAR(build_doc,
"build_postings(raw, seg_start, canon, rank, part_ptr, part_words, weights, ndocs,\n"
"               threads=True) -> dict of bytearrays\n\n"
"raw: int32 word ids per position (-1: gap); seg_start: int64 start of each\n"
"(record, field) segment, len(weights) fields per record; canon: int32 the word\n"
"each word id is indexed as (-1: none); rank: int32 term number (its row in the\n"
"sorted vocabulary) of each word that is a term, -1 for the others; part_ptr (int64,\n"
"len(canon) + 1) and part_words (int32): the words an apostrophe word also counts\n"
"as at its position; weights: float32 per field. Returns, as bytearrays: stream\n"
"(int32 term per position), pos_ptr, positions, term_ptr, post_doc, wtf (float32),\n"
"post_fields (uint16), part_ptr,\n"
"part_positions and doc_len (float64 weighted length per record): the arrays index._Builder.finish makes. With threads, two threads\n"
"each index half of the records (the GIL released).");

/* Everything one term needs while the stream is read, in 24 bytes: the counts (pass
 * 1), then the write cursors and the posting being summed (pass 2). States are
 * indexed by word id, which is first-sight order, so the frequent words' states sit
 * together at the front and stay in cache. */
typedef struct {
    int32_t pos;  /* pass 1: occurrences; pass 2: next slot in positions */
    int32_t post; /* pass 1: records; pass 2: slot of the current posting */
    int32_t part; /* pass 1: part occurrences; pass 2: next slot in part_positions */
    int32_t last_doc;
    float wtf; /* weighted frequency of the current posting */
    uint16_t fields;
} TermState;

typedef struct {
    int32_t *post_doc;
    float *wtf;
    uint16_t *post_fields;
    double *doc_len;
} Postings;

static inline void count_occurrence(TermState *st, int32_t doc) {
    st->pos++;
    if (st->last_doc != doc) {
        st->last_doc = doc;
        st->post++;
    }
}

/* Pass 2 writes every position and every posting to the slot its term has reached,
 * and some 100,000 terms write at once: straight to the arrays, almost every write
 * would touch another page (TLB and cache misses were most of the pass). So writes
 * go through small buffers, one per region of the array (software write-combining),
 * each written out together when full. */
#define WC_CAP 32
#define WC_REGIONS 1024

typedef struct {
    int32_t slot, value; /* value: the position, or the posting's record */
    float wtf;
    uint16_t fields;
} Entry;

typedef struct {
    Entry *buf;     /* (WC_REGIONS + 1) * WC_CAP entries */
    int32_t *count; /* entries waiting per region */
    int shift;      /* slot >> shift = region */
    int32_t *positions; /* a combiner writes positions when set, else postings */
    Postings *out;
} Combiner;

static void wc_flush(Combiner *wc, Py_ssize_t region) {
    const Entry *e = wc->buf + region * WC_CAP;
    int32_t n = wc->count[region];
    if (wc->positions) {
        for (int32_t i = 0; i < n; i++) wc->positions[e[i].slot] = e[i].value;
    } else {
        Postings *out = wc->out;
        for (int32_t i = 0; i < n; i++) {
            out->post_doc[e[i].slot] = e[i].value;
            out->wtf[e[i].slot] = e[i].wtf;
            out->post_fields[e[i].slot] = e[i].fields;
        }
    }
    wc->count[region] = 0;
}

static inline void wc_put(Combiner *wc, int32_t slot, int32_t value, float wtf, uint16_t fields) {
    Py_ssize_t region = slot >> wc->shift;
    Entry *e = &wc->buf[region * WC_CAP + wc->count[region]];
    e->slot = slot;
    e->value = value;
    e->wtf = wtf;
    e->fields = fields;
    if (++wc->count[region] == WC_CAP) wc_flush(wc, region);
}

static void wc_flush_all(Combiner *wc) {
    for (Py_ssize_t region = 0; region <= WC_REGIONS; region++) wc_flush(wc, region);
}

/* The term's posting for its current record is complete: write it. */
static inline void end_posting(TermState *st, Combiner *postings) {
    wc_put(postings, st->post, st->last_doc, st->wtf, st->fields);
}

static inline void add_occurrence(TermState *st, Combiner *positions, Combiner *postings,
                                  int32_t p, int32_t doc, float w, uint16_t bit, double *doc_len) {
    wc_put(positions, st->pos++, p, 0.0f, 0);
    if (st->last_doc != doc) {
        if (st->last_doc >= 0) {
            end_posting(st, postings);
            st->post++;
        }
        st->last_doc = doc;
        st->wtf = 0.0f;
        st->fields = 0;
    }
    st->wtf += w;
    st->fields |= bit;
    doc_len[doc] += (double)w;
}

/* One half of the stream (a run of whole records), indexed by one thread: its own
 * term states; it writes disjoint slots of the shared output arrays. */
typedef struct {
    const int32_t *raw, *canon, *rank, *pwords;
    const int64_t *seg_start, *pptr;
    const float *weights;
    Py_ssize_t nf, nseg, nraw;
    Py_ssize_t p_lo, p_hi; /* positions [p_lo, p_hi) */
    Py_ssize_t s_lo;       /* its first segment (field 0 of record doc_lo) */
    int32_t doc_lo;
    TermState *state; /* per word id */
    int32_t *stream, *part_positions;
    double *doc_len;
    Combiner positions, postings; /* pass 2's writes */
} Half;

/* Where position p is, as (segment, record, field): moved forward as p grows, never
 * divided (there are some 60 million positions at 100,000 records). */
typedef struct {
    Py_ssize_t s, field;
    int32_t doc;
} Cursor;

/* Move c to the segment holding p; true when it moved. */
static inline int advance(const Half *h, Cursor *c, Py_ssize_t p) {
    int moved = 0;
    while (c->s + 1 < h->nseg && h->seg_start[c->s + 1] <= p) {
        moved = 1;
        c->s++;
        if (++c->field == h->nf) {
            c->field = 0;
            c->doc++;
        }
    }
    return moved;
}

/* Pass 1 over a half: how often each word occurs, in how many records, as a part. */
static void count_half(Half *h) {
    Cursor c = {h->s_lo, 0, h->doc_lo};
    for (Py_ssize_t r = 0; r < h->nraw; r++) h->state[r].last_doc = -1;
    for (Py_ssize_t p = h->p_lo; p < h->p_hi; p++) {
        advance(h, &c, p);
        int32_t r = h->raw[p];
        if (r < 0) {
            h->stream[p] = GAP;
            continue;
        }
        int32_t w = h->canon[r];
        h->stream[p] = w >= 0 ? h->rank[w] : GAP;
        if (w >= 0) count_occurrence(&h->state[w], c.doc);
        for (int64_t k = h->pptr[r]; k < h->pptr[r + 1]; k++) {
            count_occurrence(&h->state[h->pwords[k]], c.doc);
            h->state[h->pwords[k]].part++;
        }
    }
}

/* Pass 2 over a half: positions, postings and record lengths into its slots. */
static void fill_half(Half *h) {
    Cursor c = {h->s_lo, 0, h->doc_lo};
    float weight = h->weights[0];
    uint16_t bit = 1;
    for (Py_ssize_t p = h->p_lo; p < h->p_hi; p++) {
        if (advance(h, &c, p)) {
            weight = h->weights[c.field];
            bit = (uint16_t)(1u << c.field);
        }
        int32_t r = h->raw[p];
        if (r < 0) continue;
        int32_t w = h->canon[r];
        if (w >= 0)
            add_occurrence(&h->state[w], &h->positions, &h->postings, (int32_t)p, c.doc, weight,
                           bit, h->doc_len);
        for (int64_t k = h->pptr[r]; k < h->pptr[r + 1]; k++) {
            TermState *st = &h->state[h->pwords[k]];
            h->part_positions[st->part++] = (int32_t)p;
            add_occurrence(st, &h->positions, &h->postings, (int32_t)p, c.doc, weight, bit,
                           h->doc_len);
        }
    }
    for (Py_ssize_t r = 0; r < h->nraw; r++) {
        if (h->state[r].last_doc >= 0) end_posting(&h->state[r], &h->postings);
    }
    wc_flush_all(&h->positions);
    wc_flush_all(&h->postings);
}

typedef void (*HalfPass)(Half *);

#ifndef _WIN32
#include <pthread.h>
typedef struct {
    HalfPass pass;
    Half *half;
} ThreadJob;

static void *run_job(void *arg) {
    ThreadJob *job = arg;
    job->pass(job->half);
    return NULL;
}
#endif

/* Run a pass over both halves, the second on its own thread where there is one. */
static void run_halves(HalfPass pass, Half *a, Half *b, int parallel) {
#ifndef _WIN32
    if (parallel) {
        pthread_t thread;
        ThreadJob job = {pass, b};
        if (pthread_create(&thread, NULL, run_job, &job) == 0) {
            pass(a);
            pthread_join(thread, NULL);
            return;
        }
    }
#endif
    pass(a);
    pass(b);
}

/* Below this many positions one thread does it all. */
#define PARALLEL_MIN_POSITIONS (1 << 20)

static PyObject *build_postings(PyObject *self, PyObject *args) {
    PyObject *o_raw, *o_seg, *o_canon, *o_rank, *o_pptr, *o_pwords, *o_w;
    Py_ssize_t ndocs;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OOOOOOOn|p:build_postings", &o_raw, &o_seg, &o_canon, &o_rank,
                          &o_pptr, &o_pwords, &o_w, &ndocs, &threads))
        return NULL;
    Arg a_raw = {0}, a_seg = {0}, a_canon = {0}, a_rank = {0}, a_pptr = {0}, a_pwords = {0},
        a_w = {0};
    PyObject *result = NULL;
    PyObject *o_stream = NULL, *o_pos_ptr = NULL, *o_positions = NULL, *o_term_ptr = NULL;
    PyObject *o_post_doc = NULL, *o_wtf = NULL, *o_fields = NULL;
    PyObject *o_part_ptr = NULL;
    PyObject *o_part_pos = NULL, *o_doc_len = NULL;
    TermState *state = NULL;
    int32_t *word_of_term = NULL;
    void *wc_mem = NULL;
    if (get_array(o_raw, &a_raw, 4, "raw") < 0 || get_array(o_seg, &a_seg, 8, "seg_start") < 0 ||
        get_array(o_canon, &a_canon, 4, "canon") < 0 ||
        get_array(o_rank, &a_rank, 4, "rank") < 0 ||
        get_array(o_pptr, &a_pptr, 8, "part_ptr") < 0 ||
        get_array(o_pwords, &a_pwords, 4, "part_words") < 0 ||
        get_array(o_w, &a_w, 4, "weights") < 0)
        goto done;
    const int32_t *raw = a_raw.view.buf;
    const int64_t *seg_start = a_seg.view.buf;
    const int32_t *canon = a_canon.view.buf;
    const int32_t *rank = a_rank.view.buf;
    const int64_t *pptr = a_pptr.view.buf;
    const int32_t *pwords = a_pwords.view.buf;
    Py_ssize_t npos = a_raw.view.len / 4, nseg = a_seg.view.len / 8;
    Py_ssize_t nraw = a_canon.view.len / 4, nparts = a_pwords.view.len / 4;
    Py_ssize_t nf = a_w.view.len / 4;
    if (nf < 1 || nf > 16 || nseg != ndocs * nf || a_pptr.view.len / 8 != nraw + 1 ||
        a_rank.view.len / 4 != nraw || npos >= INT32_MAX || ndocs >= INT32_MAX ||
        (nseg && seg_start[0] != 0) || (npos && !nseg)) {
        PyErr_SetString(PyExc_ValueError, "build_postings: inconsistent array sizes");
        goto done;
    }
    /* every input is checked, so the passes below never index out of bounds */
    Py_ssize_t nterms = 0;
    for (Py_ssize_t r = 0; r < nraw; r++) nterms += rank[r] >= 0;
    word_of_term = PyMem_Malloc(((size_t)nterms + 1) * sizeof(int32_t));
    if (!word_of_term) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < nterms; t++) word_of_term[t] = -1;
    for (Py_ssize_t r = 0; r < nraw; r++) {
        int32_t c = canon[r];
        if (rank[r] >= nterms || rank[r] < GAP || (rank[r] >= 0 && word_of_term[rank[r]] >= 0) ||
            c < GAP || c >= nraw || (c >= 0 && rank[c] < 0) || pptr[r] > pptr[r + 1] ||
            pptr[r] < 0 || pptr[r + 1] > nparts) {
            PyErr_SetString(PyExc_ValueError, "build_postings: bad word table");
            goto done;
        }
        if (rank[r] >= 0) word_of_term[rank[r]] = (int32_t)r;
    }
    for (Py_ssize_t k = 0; k < nparts; k++) {
        if (pwords[k] < 0 || pwords[k] >= nraw || rank[pwords[k]] < 0) {
            PyErr_SetString(PyExc_ValueError, "build_postings: bad part word");
            goto done;
        }
    }
    for (Py_ssize_t p = 0; p < npos; p++) {
        if (raw[p] < GAP || raw[p] >= nraw) {
            PyErr_SetString(PyExc_ValueError, "build_postings: word id out of range");
            goto done;
        }
    }
    for (Py_ssize_t s = 1; s < nseg; s++) {
        if (seg_start[s] <= seg_start[s - 1] || seg_start[s] >= npos) {
            PyErr_SetString(PyExc_ValueError, "build_postings: segments out of order");
            goto done;
        }
    }

    char *d_stream, *d_pos_ptr, *d_term_ptr, *d_part_ptr, *d_doc_len;
    o_stream = new_array(npos, 4, &d_stream, 0);
    o_pos_ptr = new_array(nterms + 1, 8, &d_pos_ptr, 1);
    o_term_ptr = new_array(nterms + 1, 8, &d_term_ptr, 1);
    o_part_ptr = new_array(nterms + 1, 8, &d_part_ptr, 1);
    o_doc_len = new_array(ndocs, 8, &d_doc_len, 1);
    if (!o_stream || !o_pos_ptr || !o_term_ptr || !o_part_ptr || !o_doc_len) goto done;
    state = PyMem_Calloc(2 * ((size_t)nraw + 1), sizeof(TermState));
    if (!state) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *pos_ptr = (int64_t *)d_pos_ptr, *term_ptr = (int64_t *)d_term_ptr;
    int64_t *part_ptr = (int64_t *)d_part_ptr;

    /* the halves: split at the record whose first segment starts nearest the middle */
    Py_ssize_t mid_doc = 0;
    if (threads && npos >= PARALLEL_MIN_POSITIONS) {
        Py_ssize_t lo = 0, hi = ndocs;
        while (lo < hi) {
            Py_ssize_t m = (lo + hi) / 2;
            if (seg_start[m * nf] < npos / 2) lo = m + 1;
            else hi = m;
        }
        mid_doc = lo < ndocs ? lo : 0;
    }
    Py_ssize_t p_mid = mid_doc ? seg_start[mid_doc * nf] : npos;
    Half a = {raw, canon, rank, pwords, seg_start, pptr, a_w.view.buf, nf, nseg, nraw,
              0, p_mid, 0, 0, state, (int32_t *)d_stream, NULL, NULL, {0}};
    Half b = a;
    b.p_lo = p_mid;
    b.p_hi = npos;
    b.s_lo = mid_doc * nf;
    b.doc_lo = (int32_t)mid_doc;
    b.state = state + nraw + 1;
    int parallel = mid_doc > 0;

    Py_BEGIN_ALLOW_THREADS
    run_halves(count_half, &a, &b, parallel);
    /* offsets per term in sorted order; the first half's slots come first */
    for (Py_ssize_t t = 0; t < nterms; t++) {
        TermState *sa = &a.state[word_of_term[t]], *sb = &b.state[word_of_term[t]];
        pos_ptr[t + 1] = pos_ptr[t] + sa->pos + sb->pos;
        term_ptr[t + 1] = term_ptr[t] + sa->post + sb->post;
        part_ptr[t + 1] = part_ptr[t] + sa->part + sb->part;
        sb->pos = (int32_t)pos_ptr[t] + sa->pos;
        sb->post = (int32_t)term_ptr[t] + sa->post;
        sb->part = (int32_t)part_ptr[t] + sa->part;
        sa->pos = (int32_t)pos_ptr[t];
        sa->post = (int32_t)term_ptr[t];
        sa->part = (int32_t)part_ptr[t];
        sa->last_doc = sb->last_doc = -1;
    }
    Py_END_ALLOW_THREADS
    if (pos_ptr[nterms] >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "build_postings: too many positions");
        goto done;
    }

    char *d_positions, *d_post_doc, *d_wtf, *d_fields, *d_part_pos;
    o_positions = new_array(pos_ptr[nterms], 4, &d_positions, 0);
    o_post_doc = new_array(term_ptr[nterms], 4, &d_post_doc, 0);
    o_wtf = new_array(term_ptr[nterms], 4, &d_wtf, 0);
    o_fields = new_array(term_ptr[nterms], 2, &d_fields, 0);
    o_part_pos = new_array(part_ptr[nterms], 4, &d_part_pos, 0);
    if (!o_positions || !o_post_doc || !o_wtf || !o_fields || !o_part_pos) goto done;
    Postings out = {(int32_t *)d_post_doc, (float *)d_wtf, (uint16_t *)d_fields,
                    (double *)d_doc_len};
    a.part_positions = b.part_positions = (int32_t *)d_part_pos;
    a.doc_len = b.doc_len = out.doc_len;
    /* four combiners: positions and postings, for each half */
    size_t regions = WC_REGIONS + 1;
    wc_mem = PyMem_Calloc(4 * regions, WC_CAP * sizeof(Entry) + sizeof(int32_t));
    if (!wc_mem) {
        PyErr_NoMemory();
        goto done;
    }
    Entry *entries = wc_mem;
    int32_t *counts = (int32_t *)(entries + 4 * regions * WC_CAP);
    Combiner *combiners[4] = {&a.positions, &a.postings, &b.positions, &b.postings};
    for (int i = 0; i < 4; i++) {
        int64_t total = i % 2 ? term_ptr[nterms] : pos_ptr[nterms];
        int shift = 0;
        while ((total >> shift) >= WC_REGIONS) shift++;
        Combiner wc = {entries + i * regions * WC_CAP, counts + i * regions, shift,
                       i % 2 ? NULL : (int32_t *)d_positions, &out};
        *combiners[i] = wc;
    }

    Py_BEGIN_ALLOW_THREADS
    run_halves(fill_half, &a, &b, parallel);
    Py_END_ALLOW_THREADS

    result = Py_BuildValue("{sOsOsOsOsOsOsOsOsOsO}", "stream", o_stream, "pos_ptr", o_pos_ptr,
                           "positions", o_positions, "term_ptr", o_term_ptr, "post_doc",
                           o_post_doc, "wtf", o_wtf, "post_fields", o_fields,
                           "part_ptr", o_part_ptr, "part_positions", o_part_pos, "doc_len",
                           o_doc_len);
done:
    if (a_raw.held) PyBuffer_Release(&a_raw.view);
    if (a_seg.held) PyBuffer_Release(&a_seg.view);
    if (a_canon.held) PyBuffer_Release(&a_canon.view);
    if (a_rank.held) PyBuffer_Release(&a_rank.view);
    if (a_pptr.held) PyBuffer_Release(&a_pptr.view);
    if (a_pwords.held) PyBuffer_Release(&a_pwords.view);
    if (a_w.held) PyBuffer_Release(&a_w.view);
    Py_XDECREF(o_stream);
    Py_XDECREF(o_pos_ptr);
    Py_XDECREF(o_positions);
    Py_XDECREF(o_term_ptr);
    Py_XDECREF(o_post_doc);
    Py_XDECREF(o_wtf);
    Py_XDECREF(o_fields);
    Py_XDECREF(o_part_ptr);
    Py_XDECREF(o_part_pos);
    Py_XDECREF(o_doc_len);
    PyMem_Free(state);
    PyMem_Free(word_of_term);
    PyMem_Free(wc_mem);
    return result;
}

/* ------------------------------------------------------------------ module */

static PyMethodDef module_methods[] = {
    {"build_postings", build_postings, METH_VARARGS, build_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_index_native", "Native index-build speed-ups (see index.py).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__index_native(void) {
    for (int i = 0; i < 256; i++) {
        if (i >= 0x80)
            byte_table[i] = (unsigned char)i;
        else if ((i >= '0' && i <= '9') || (i >= 'a' && i <= 'z') || i == '\'')
            byte_table[i] = (unsigned char)i;
        else if (i >= 'A' && i <= 'Z')
            byte_table[i] = (unsigned char)(i - 'A' + 'a');
        else
            byte_table[i] = ' ';
    }
    if (PyType_Ready(&VocabType) < 0 || PyType_Ready(&BlockType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", 1) < 0 ||
        PyModule_AddObjectRef(m, "Vocab", (PyObject *)&VocabType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
