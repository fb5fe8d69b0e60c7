/* Native speed-ups for building the token index (index.py; docs/architecture.md).
 *
 * Why C: the cold open of a large archive is bounded by per-token Python work (about
 * 60 million tokens at 100,000 records): creating a bytes object per word and looking
 * it up in a dict, then sorting every chunk to group positions by term. Here:
 *
 *   Vocab.tokenize  folds and splits each field exactly as text.fold_bytes(...).split()
 *                   does, and numbers the words in a hash table of its own, creating a
 *                   Python bytes object only for a word seen for the first time;
 *   build_postings  turns the whole token stream into the positional index and the
 *                   postings with two counting passes (no sort), the GIL released,
 *                   each pass split over two threads at a record boundary.
 *
 * The pure-Python build in index.py stays the reference: tests build the same archive
 * both ways and compare every array. Non-ASCII characters are folded by calling the
 * Python function given (text.fold_bytes on one character), cached per code point, so
 * the folding rules live in one place (text.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define GAP (-1)

/* ASCII letters lower-cased, digits and ' kept, other ASCII -> space; bytes >= 0x80
 * kept (text._BYTE_TABLE). Filled at module init. */
static unsigned char byte_table[256];

/* ------------------------------------------------------------------ growable arrays */

typedef struct {
    char *data;
    Py_ssize_t len, cap, item;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra) cap *= 2;
    char *data = PyMem_Realloc(b->data, (size_t)(cap * b->item));
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
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

static inline int buf_push_byte(Buf *b, char c) {
    if (b->len == b->cap && buf_reserve(b, 1) < 0) return -1;
    b->data[b->len++] = c;
    return 0;
}

static PyObject *buf_to_bytes(Buf *b) {
    return PyBytes_FromStringAndSize(b->data ? b->data : "", b->len * b->item);
}

/* ------------------------------------------------------------------ Vocab */

#define INLINE_KEY 16

/* A hash-table slot; words up to INLINE_KEY bytes (most) are compared in the slot
 * itself, without following the pointer to their bytes object. */
typedef struct {
    uint64_t hash;
    int32_t id; /* -1: empty slot */
    int32_t len;
    char key[INLINE_KEY];
} Slot;

typedef struct {
    PyObject_HEAD
    PyObject *order;  /* list of bytes: id -> word */
    Slot *slots;
    Py_ssize_t mask;  /* capacity - 1 (capacity a power of two) */
    PyObject **bmp;   /* folded bytes per BMP code point, filled on first sight */
    PyObject *astral; /* dict: code point beyond the BMP -> folded bytes */
    Buf token;        /* the word being read */
} Vocab;

static inline uint64_t hash_bytes(const unsigned char *s, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static int vocab_grow(Vocab *v) {
    Py_ssize_t cap = (v->mask + 1) * 2;
    Slot *slots = PyMem_Malloc((size_t)cap * sizeof(Slot));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < cap; i++) slots[i].id = -1;
    Py_ssize_t mask = cap - 1;
    for (Py_ssize_t i = 0; i <= v->mask; i++) {
        if (v->slots[i].id < 0) continue;
        Py_ssize_t j = (Py_ssize_t)(v->slots[i].hash & (uint64_t)mask);
        while (slots[j].id >= 0) j = (j + 1) & mask;
        slots[j] = v->slots[i];
    }
    PyMem_Free(v->slots);
    v->slots = slots;
    v->mask = mask;
    return 0;
}

/* The id of word s[0:n], numbering it when new; -1 with an exception set on failure. */
static int32_t vocab_id(Vocab *v, const char *s, Py_ssize_t n) {
    uint64_t h = hash_bytes((const unsigned char *)s, n);
    Py_ssize_t j = (Py_ssize_t)(h & (uint64_t)v->mask);
    for (;;) {
        Slot *slot = &v->slots[j];
        if (slot->id < 0) break;
        if (slot->hash == h && slot->len == n) {
            const char *key = n <= INLINE_KEY
                                  ? slot->key
                                  : PyBytes_AS_STRING(PyList_GET_ITEM(v->order, slot->id));
            if (memcmp(key, s, (size_t)n) == 0) return slot->id;
        }
        j = (j + 1) & v->mask;
    }
    Py_ssize_t id = PyList_GET_SIZE(v->order);
    if (id >= INT32_MAX || n > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many distinct words");
        return -1;
    }
    PyObject *word = PyBytes_FromStringAndSize(s, n);
    if (!word) return -1;
    int rc = PyList_Append(v->order, word);
    Py_DECREF(word);
    if (rc < 0) return -1;
    v->slots[j].hash = h;
    v->slots[j].id = (int32_t)id;
    v->slots[j].len = (int32_t)n;
    if (n <= INLINE_KEY) memcpy(v->slots[j].key, s, (size_t)n);
    if ((id + 1) * 2 > v->mask + 1 && vocab_grow(v) < 0) return -1;
    return (int32_t)id;
}

static PyObject *Vocab_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Vocab() takes no arguments");
        return NULL;
    }
    Vocab *v = (Vocab *)type->tp_alloc(type, 0);
    if (!v) return NULL;
    v->token.item = 1;
    v->order = PyList_New(0);
    v->astral = PyDict_New();
    v->mask = 1023;
    v->slots = PyMem_Malloc(1024 * sizeof(Slot));
    if (!v->slots) PyErr_NoMemory();
    if (!v->order || !v->astral || !v->slots) {
        Py_DECREF(v);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < 1024; i++) v->slots[i].id = -1;
    return (PyObject *)v;
}

static void Vocab_dealloc(Vocab *v) {
    Py_XDECREF(v->order);
    Py_XDECREF(v->astral);
    if (v->bmp) {
        for (Py_ssize_t i = 0; i < 0x10000; i++) Py_XDECREF(v->bmp[i]);
        PyMem_Free(v->bmp);
    }
    PyMem_Free(v->slots);
    PyMem_Free(v->token.data);
    Py_TYPE(v)->tp_free((PyObject *)v);
}

static Py_ssize_t Vocab_len(Vocab *v) { return PyList_GET_SIZE(v->order); }

/* vocab[word] -> id, numbering a new word (like index._Vocab). */
static PyObject *Vocab_getitem(Vocab *v, PyObject *key) {
    if (!PyBytes_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "Vocab keys are bytes");
        return NULL;
    }
    int32_t id = vocab_id(v, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key));
    return id < 0 ? NULL : PyLong_FromLong(id);
}

/* Folded bytes of one non-ASCII code point (borrowed), via fold(chr(cp)), cached. */
static PyObject *fold_char(Vocab *v, Py_UCS4 cp, PyObject *fold) {
    PyObject *cached;
    if (cp < 0x10000) {
        if (!v->bmp) {
            v->bmp = PyMem_Calloc(0x10000, sizeof(PyObject *));
            if (!v->bmp) return PyErr_NoMemory();
        }
        if (v->bmp[cp]) return v->bmp[cp];
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
        v->bmp[cp] = folded; /* the cache owns it */
        return folded;
    }
    PyObject *key = PyLong_FromUnsignedLong(cp);
    int rc = key ? PyDict_SetItem(v->astral, key, folded) : -1;
    Py_XDECREF(key);
    Py_DECREF(folded);
    return rc < 0 ? NULL : folded; /* the dict holds it */
}

static inline int end_token(Vocab *v, Buf *stream) {
    if (!v->token.len) return 0;
    int32_t id = vocab_id(v, v->token.data, v->token.len);
    v->token.len = 0;
    return id < 0 ? -1 : buf_push_i32(stream, id);
}

static inline int feed_byte(Vocab *v, Buf *stream, unsigned char c) {
    if (c == ' ') return end_token(v, stream);
    return buf_push_byte(&v->token, (char)c);
}

/* Append the ids of the words of s (fold_bytes(s).split()) to stream. */
static int tokenize_str(Vocab *v, PyObject *s, PyObject *fold, Buf *stream) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    v->token.len = 0;
    if (PyUnicode_IS_ASCII(s)) {
        const unsigned char *p = PyUnicode_1BYTE_DATA(s);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (feed_byte(v, stream, byte_table[p[i]]) < 0) return -1;
        }
    } else {
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, i);
            if (cp < 0x80) {
                if (feed_byte(v, stream, byte_table[cp]) < 0) return -1;
                continue;
            }
            PyObject *folded = fold_char(v, cp, fold);
            if (!folded) return -1;
            const unsigned char *f = (const unsigned char *)PyBytes_AS_STRING(folded);
            Py_ssize_t fn = PyBytes_GET_SIZE(folded);
            for (Py_ssize_t k = 0; k < fn; k++) {
                if (feed_byte(v, stream, f[k]) < 0) return -1;
            }
        }
    }
    return end_token(v, stream);
}

PyDoc_STRVAR(tokenize_doc,
"tokenize(records, lo, hi, fields, list_fields, fold) -> (ids, segment_starts)\n\n"
"Word ids of every (record, field) segment of records[lo:hi], as\n"
"index._chunk_tokens makes them: int32 ids with -1 after each segment and after\n"
"each list item, and the int64 offset where each segment starts. fold(ch) gives one\n"
"non-ASCII character's folded bytes (text.fold_bytes).");

/* Append the segments of one record. value_of: a borrowed reference or NULL (absent). */
static int tokenize_record(Vocab *v, PyObject *record, PyObject *fields, const char *is_list,
                           PyObject *fold, Buf *stream, Buf *seg) {
    Py_ssize_t nf = PyTuple_GET_SIZE(fields);
    /* An exact dict is read through borrowed references: no reference count is written,
     * so pages a forked worker shares with its parent stay shared (no copy-on-write).
     * Nothing here runs code that could change the record (fold is text.fold_bytes). */
    int exact = PyDict_CheckExact(record);
    for (Py_ssize_t f = 0; f < nf; f++) {
        if (buf_push_i64(seg, stream->len) < 0) return -1;
        PyObject *name = PyTuple_GET_ITEM(fields, f), *owned = NULL, *value;
        if (exact) {
            value = PyDict_GetItemWithError(record, name);
            if (!value && PyErr_Occurred()) return -1;
        } else {
            value = owned = PyObject_CallMethod(record, "get", "O", name);
            if (!value) return -1;
        }
        int rc = 0;
        if (value && value != Py_None) {
            int truthy = PyObject_IsTrue(value);
            if (truthy < 0) {
                rc = -1;
            } else if (truthy && PyUnicode_Check(value)) {
                rc = tokenize_str(v, value, fold, stream);
            } else if (truthy && is_list[f] && PyList_Check(value)) {
                for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(value); k++) {
                    PyObject *item = PyList_GET_ITEM(value, k);
                    if (!PyUnicode_Check(item)) continue;
                    rc = tokenize_str(v, item, fold, stream);
                    if (rc == 0) rc = buf_push_i32(stream, GAP);
                }
            }
        }
        Py_XDECREF(owned);
        if (rc < 0 || buf_push_i32(stream, GAP) < 0) return -1;
    }
    return 0;
}

static PyObject *Vocab_tokenize(Vocab *v, PyObject *args) {
    PyObject *records, *fields, *list_fields, *fold;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "OnnO!OO:tokenize", &records, &lo, &hi, &PyTuple_Type, &fields,
                          &list_fields, &fold))
        return NULL;
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
    Buf stream = {NULL, 0, 0, 4}, seg = {NULL, 0, 0, 8};
    PyObject *result = NULL;
    int is_list_of_records = PyList_CheckExact(records);
    for (Py_ssize_t i = lo; i < hi; i++) {
        int rc;
        if (is_list_of_records && i < PyList_GET_SIZE(records)) {
            rc = tokenize_record(v, PyList_GET_ITEM(records, i), fields, is_list, fold, &stream,
                                 &seg);
        } else {
            PyObject *record = PySequence_GetItem(records, i);
            if (!record) goto done;
            rc = tokenize_record(v, record, fields, is_list, fold, &stream, &seg);
            Py_DECREF(record);
        }
        if (rc < 0) goto done;
    }
    PyObject *ids = buf_to_bytes(&stream);
    PyObject *starts = ids ? buf_to_bytes(&seg) : NULL;
    if (ids && starts) result = PyTuple_Pack(2, ids, starts);
    Py_XDECREF(ids);
    Py_XDECREF(starts);
done:
    PyMem_Free(is_list);
    PyMem_Free(stream.data);
    PyMem_Free(seg.data);
    return result;
}

static PyObject *Vocab_get_order(Vocab *v, void *closure) { return Py_NewRef(v->order); }

static PyMethodDef Vocab_methods[] = {
    {"tokenize", (PyCFunction)Vocab_tokenize, METH_VARARGS, tokenize_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Vocab_getset[] = {
    {"order", (getter)Vocab_get_order, NULL, "list of words (bytes) by id", NULL},
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
    if (PyType_Ready(&VocabType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", 1) < 0 ||
        PyModule_AddObjectRef(m, "Vocab", (PyObject *)&VocabType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
