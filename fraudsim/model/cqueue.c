/*
 * fraudsim.model.cqueue: the event queue of the compiled engine, in C.
 *
 * The clock (fraudsim/model/kernel.py) runs tens of millions of happenings
 * a national year: a report, a sweep of a mule account, a bank's answer to
 * a stop-payment. In the Python queue (fraudsim/model/pyqueue.py) each
 * pending happening is a tuple and a float object, made when it is
 * scheduled and freed when it runs hours later, and a bucket of them is
 * sorted by a key call per entry: about a third of the compiled model's
 * instructions. Here a pending happening is one 32-byte struct in an array:
 * no object made or freed, and a bucket is sorted by comparing doubles.
 *
 * The algorithm and the order are the Python queue's (see its docstring):
 *
 * - Happenings due in the open bucket of time (one minute wide) are near:
 *   the open bucket's entries sorted once into the run, and a binary heap
 *   for those scheduled into the open bucket after it opened.
 * - Later happenings wait unsorted in one array per bucket: a ring of
 *   buckets for the next ring_buckets minutes, and an overflow heap beyond.
 * - The order is SimPy's: time, then priority, then scheduling order. Each
 *   entry carries (priority << 56 | its scheduling number), so that one
 *   integer comparison breaks a tie of time, and no entry compares equal.
 *
 * A happening is a handler call, (handler, payload), or an ordinary SimPy
 * event (payload NULL). run_before() calls back into the clock for each,
 * with its time, so that the clock's own `now` is set before the model's
 * code runs (the clock's fields are not reachable from C).
 *
 * The queue holds references to handlers and payloads, which refer back to
 * the model and its clock, so it takes part in the cyclic garbage collector
 * (traverse and clear): a finished run's world is freed as a whole.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    double t;          /* time, in simulated minutes */
    uint64_t key;      /* priority << SEQ_BITS | scheduling number */
    PyObject *obj;     /* the handler, or the SimPy event */
    PyObject *payload; /* the handler's payload; NULL for a SimPy event */
} Entry;

typedef struct {
    Entry *items;
    Py_ssize_t n, cap;
} Array;

#define SEQ_BITS 56
#define SEQ_MASK ((((uint64_t)1) << SEQ_BITS) - 1)
#define MAX_PRIORITY 255
#define HANDLER_PRIORITY 1 /* SimPy's NORMAL, which handler calls share */
/* The bucket of happenings at infinite time (or beyond any real horizon). */
#define NEVER (((int64_t)1) << 62)
#define SMALL_SORT 12 /* runs this short are sorted by insertion */

typedef struct {
    PyObject_HEAD
    Array *ring;          /* buckets after the open one, slot b & mask */
    int64_t mask;
    int64_t ring_end;     /* first bucket beyond the ring's window */
    Py_ssize_t ring_count;
    Array overflow;       /* a heap of the entries beyond the ring */
    Py_ssize_t far_count; /* entries in the ring and the overflow */
    Array heap;           /* near entries scheduled into the open bucket */
    Array run;            /* the open bucket's entries, sorted */
    Py_ssize_t run_pos;   /* the run's next entry */
    Array scratch;        /* the merge sort's buffer (no references held) */
    int64_t open_bucket;
    double near_end;      /* end of the open bucket: earlier entries are near */
    uint64_t seq;         /* scheduling number of the next entry */
    long long done;       /* happenings run since take_done() */
} CQueue;

static inline int before(const Entry *a, const Entry *b) {
    return a->t < b->t || (a->t == b->t && a->key < b->key);
}

static int reserve(Array *a, Py_ssize_t need) {
    if (need <= a->cap) return 0;
    Py_ssize_t cap = a->cap ? a->cap : 4;
    while (cap < need) cap *= 2;
    Entry *items = PyMem_Realloc(a->items, (size_t)cap * sizeof(Entry));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    a->items = items;
    a->cap = cap;
    return 0;
}

static inline int append(Array *a, const Entry *e) {
    if (a->n == a->cap && reserve(a, a->n + 1) < 0) return -1;
    a->items[a->n++] = *e;
    return 0;
}

static int heap_push(Array *h, const Entry *e) {
    if (h->n == h->cap && reserve(h, h->n + 1) < 0) return -1;
    Entry *a = h->items;
    Py_ssize_t i = h->n++;
    while (i > 0) {
        Py_ssize_t parent = (i - 1) >> 1;
        if (!before(e, &a[parent])) break;
        a[i] = a[parent];
        i = parent;
    }
    a[i] = *e;
    return 0;
}

static void heap_pop(Array *h) {
    Entry *a = h->items;
    Py_ssize_t n = --h->n;
    if (n == 0) return;
    Entry last = a[n];
    Py_ssize_t i = 0;
    for (;;) {
        Py_ssize_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(&a[child + 1], &a[child])) child++;
        if (!before(&a[child], &last)) break;
        a[i] = a[child];
        i = child;
    }
    a[i] = last;
}

/* The bucket of time t (one minute wide, as the Python queue's BUCKET_MIN). */
static inline int64_t bucket_of(double t) {
    return t < 4.0e18 ? (int64_t)t : NEVER; /* inf, or beyond int64's reach */
}

static void insertion_sort(Entry *a, Py_ssize_t n) {
    for (Py_ssize_t i = 1; i < n; i++) {
        Entry x = a[i];
        Py_ssize_t j = i;
        while (j > 0 && before(&x, &a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Sort a[0:n] with tmp (room for n / 2 entries) as the buffer. */
static void merge_sort(Entry *a, Entry *tmp, Py_ssize_t n) {
    if (n <= SMALL_SORT) {
        insertion_sort(a, n);
        return;
    }
    Py_ssize_t m = n / 2;
    merge_sort(a, tmp, m);
    merge_sort(a + m, tmp, n - m);
    if (!before(&a[m], &a[m - 1])) return; /* already in order */
    memcpy(tmp, a, (size_t)m * sizeof(Entry));
    Py_ssize_t i = 0, j = m, k = 0;
    while (i < m && j < n) a[k++] = before(&a[j], &tmp[i]) ? a[j++] : tmp[i++];
    while (i < m) a[k++] = tmp[i++];
}

static int sort_run(CQueue *q) {
    if (reserve(&q->scratch, q->run.n / 2 + 1) < 0) return -1;
    merge_sort(q->run.items, q->scratch.items, q->run.n);
    return 0;
}

/* Open the next bucket that holds entries: 1 if one opened, 0 if none is
   left, -1 on error. Called only once the run and the heap are empty. */
static int refill(CQueue *q) {
    if (q->far_count == 0) return 0;
    /* The next bucket: the ring's first one in use, unless an overflow
       bucket comes first (one put there when it was beyond the ring). */
    int64_t last = q->overflow.n ? bucket_of(q->overflow.items[0].t) : NEVER;
    int64_t b = q->open_bucket + 1;
    PyMem_Free(q->run.items);
    q->run.items = NULL;
    q->run.n = q->run.cap = 0;
    q->run_pos = 0;
    if (q->ring_count) {
        while (b < last && q->ring[b & q->mask].n == 0) b++;
        Array *slot = &q->ring[b & q->mask];
        if (b <= last && slot->n) {
            q->run = *slot;
            slot->items = NULL;
            slot->n = slot->cap = 0;
            q->ring_count -= q->run.n;
        } else {
            b = last;
        }
    } else {
        b = last;
    }
    while (q->overflow.n && bucket_of(q->overflow.items[0].t) == b) {
        Entry e = q->overflow.items[0];
        heap_pop(&q->overflow);
        if (append(&q->run, &e) < 0) {
            heap_push(&q->overflow, &e); /* room is there: it was just popped */
            return -1;
        }
    }
    q->far_count -= q->run.n;
    if (sort_run(q) < 0) return -1;
    q->open_bucket = b;
    q->ring_end = b + 1 + q->mask + 1;
    q->near_end = (double)(b + 1);
    return 1;
}

static int push_entry(CQueue *q, double t, uint64_t priority, PyObject *obj, PyObject *payload) {
    if (q->ring == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "CQueue.__init__ was not called");
        return -1;
    }
    if (t != t) {
        PyErr_Format(PyExc_ValueError, "cannot schedule %R at time NaN", obj);
        return -1;
    }
    Entry e = {t, priority << SEQ_BITS | (q->seq & SEQ_MASK), obj, payload};
    int r;
    if (t < q->near_end) {
        r = heap_push(&q->heap, &e);
    } else {
        int64_t b = bucket_of(t);
        if (b < q->ring_end) {
            r = append(&q->ring[b & q->mask], &e);
            q->ring_count += r == 0;
        } else {
            r = heap_push(&q->overflow, &e);
        }
        q->far_count += r == 0;
    }
    if (r < 0) return -1;
    q->seq++;
    Py_INCREF(obj);
    Py_XINCREF(payload);
    return 0;
}

/* The next entry, or NULL: *where is 0 (run) or 1 (heap), or, with NULL,
   0 (nothing left) or -1 (error). */
static Entry *next_entry(CQueue *q, int *where) {
    for (;;) {
        Entry *r = q->run_pos < q->run.n ? &q->run.items[q->run_pos] : NULL;
        Entry *h = q->heap.n ? &q->heap.items[0] : NULL;
        if (r != NULL && (h == NULL || before(r, h))) {
            *where = 0;
            return r;
        }
        if (h != NULL) {
            *where = 1;
            return h;
        }
        int opened = refill(q);
        if (opened <= 0) {
            *where = opened;
            return NULL;
        }
    }
}

static inline void take(CQueue *q, int where) {
    if (where == 0)
        q->run_pos++;
    else
        heap_pop(&q->heap);
}

static inline int as_double(PyObject *o, double *out) {
    if (PyFloat_CheckExact(o)) {
        *out = PyFloat_AS_DOUBLE(o);
        return 0;
    }
    *out = PyFloat_AsDouble(o);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
}

static int check_args(Py_ssize_t nargs, Py_ssize_t want, const char *usage) {
    if (nargs == want) return 0;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", usage, want, nargs);
    return -1;
}

static PyObject *CQueue_push(CQueue *q, PyObject *const *args, Py_ssize_t nargs) {
    double t;
    if (check_args(nargs, 3, "push(time, handler, payload)") < 0) return NULL;
    if (as_double(args[0], &t) < 0) return NULL;
    if (push_entry(q, t, HANDLER_PRIORITY, args[1], args[2]) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *CQueue_push_event(CQueue *q, PyObject *const *args, Py_ssize_t nargs) {
    double t;
    if (check_args(nargs, 3, "push_event(time, priority, event)") < 0) return NULL;
    if (as_double(args[0], &t) < 0) return NULL;
    long priority = PyLong_AsLong(args[1]);
    if (priority == -1 && PyErr_Occurred()) return NULL;
    if (priority < 0 || priority > MAX_PRIORITY) {
        PyErr_Format(PyExc_ValueError, "priority must be 0 to %d, not %ld", MAX_PRIORITY, priority);
        return NULL;
    }
    if (push_entry(q, t, (uint64_t)priority, args[2], NULL) < 0) return NULL;
    Py_RETURN_NONE;
}

/* Call happen(t, handler, payload) or happen_event(t, event) for every entry
   due before until, in order. The entry leaves the queue before its call, so
   that what the call schedules, or an exception it raises, finds the queue
   in order. */
static PyObject *CQueue_run_before(CQueue *q, PyObject *const *args, Py_ssize_t nargs) {
    double until;
    if (check_args(nargs, 3, "run_before(until, happen, happen_event)") < 0) return NULL;
    if (as_double(args[0], &until) < 0) return NULL;
    PyObject *happen = args[1], *happen_event = args[2];
    for (;;) {
        int where;
        Entry *e = next_entry(q, &where);
        if (e == NULL) {
            if (where < 0) return NULL;
            break;
        }
        if (e->t >= until) break;
        Entry x = *e;
        take(q, where);
        q->done++;
        PyObject *t = PyFloat_FromDouble(x.t);
        PyObject *res = NULL;
        if (t != NULL) {
            if (x.payload != NULL) {
                PyObject *call[3] = {t, x.obj, x.payload};
                res = PyObject_Vectorcall(happen, call, 3, NULL);
            } else {
                PyObject *call[2] = {t, x.obj};
                res = PyObject_Vectorcall(happen_event, call, 2, NULL);
            }
            Py_DECREF(t);
        }
        Py_DECREF(x.obj);
        Py_XDECREF(x.payload);
        if (res == NULL) return NULL;
        Py_DECREF(res);
    }
    Py_RETURN_NONE;
}

static PyObject *CQueue_peek(CQueue *q, PyObject *Py_UNUSED(ignored)) {
    int where;
    Entry *e = next_entry(q, &where);
    if (e == NULL) return where < 0 ? NULL : PyFloat_FromDouble(INFINITY);
    return PyFloat_FromDouble(e->t);
}

static PyObject *as_tuple(const Entry *e) {
    int is_handler = e->payload != NULL;
    return Py_BuildValue("(dkOOO)", e->t, (unsigned long)(e->key >> SEQ_BITS), e->obj,
                         is_handler ? e->payload : Py_None, is_handler ? Py_True : Py_False);
}

static PyObject *CQueue_pop(CQueue *q, PyObject *Py_UNUSED(ignored)) {
    int where;
    Entry *e = next_entry(q, &where);
    if (e == NULL) {
        if (where < 0) return NULL;
        Py_RETURN_NONE;
    }
    PyObject *out = as_tuple(e);
    if (out == NULL) return NULL;
    Entry x = *e;
    take(q, where);
    Py_DECREF(x.obj);
    Py_XDECREF(x.payload);
    return out;
}

static int add_entries(PyObject *list, const Array *a, Py_ssize_t from) {
    for (Py_ssize_t i = from; i < a->n; i++) {
        PyObject *item = as_tuple(&a->items[i]);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            return -1;
        }
        Py_DECREF(item);
    }
    return 0;
}

static PyObject *CQueue_entries(CQueue *q, PyObject *Py_UNUSED(ignored)) {
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    int bad = add_entries(list, &q->heap, 0) < 0 || add_entries(list, &q->run, q->run_pos) < 0 ||
              add_entries(list, &q->overflow, 0) < 0;
    for (int64_t i = 0; !bad && q->ring != NULL && i <= q->mask; i++) bad = add_entries(list, &q->ring[i], 0) < 0;
    if (bad) {
        Py_DECREF(list);
        return NULL;
    }
    return list;
}

static PyObject *CQueue_take_done(CQueue *q, PyObject *Py_UNUSED(ignored)) {
    long long done = q->done;
    q->done = 0;
    return PyLong_FromLongLong(done);
}

static Py_ssize_t near_count(CQueue *q) { return q->heap.n + q->run.n - q->run_pos; }

static PyObject *CQueue_get_pending(CQueue *q, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(near_count(q) + q->far_count);
}

static PyObject *CQueue_get_near(CQueue *q, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(near_count(q));
}

static void clear_array(Array *a, Py_ssize_t from) {
    /* Detach first: a payload's finaliser may reach back into the queue. */
    Entry *items = a->items;
    Py_ssize_t n = a->n;
    a->items = NULL;
    a->n = a->cap = 0;
    for (Py_ssize_t i = from; i < n; i++) {
        Py_DECREF(items[i].obj);
        Py_XDECREF(items[i].payload);
    }
    PyMem_Free(items);
}

static int CQueue_clear(CQueue *q) {
    if (q->ring != NULL)
        for (int64_t i = 0; i <= q->mask; i++) clear_array(&q->ring[i], 0);
    clear_array(&q->overflow, 0);
    clear_array(&q->heap, 0);
    Py_ssize_t from = q->run_pos;
    q->run_pos = 0;
    clear_array(&q->run, from);
    q->far_count = q->ring_count = 0;
    return 0;
}

static PyObject *CQueue_clear_all(CQueue *q, PyObject *Py_UNUSED(ignored)) {
    CQueue_clear(q);
    Py_RETURN_NONE;
}

static int visit_array(const Array *a, Py_ssize_t from, visitproc visit, void *arg) {
    for (Py_ssize_t i = from; i < a->n; i++) {
        Py_VISIT(a->items[i].obj);
        Py_VISIT(a->items[i].payload);
    }
    return 0;
}

static int CQueue_traverse(CQueue *q, visitproc visit, void *arg) {
    int r;
    if (q->ring != NULL)
        for (int64_t i = 0; i <= q->mask; i++)
            if ((r = visit_array(&q->ring[i], 0, visit, arg)) != 0) return r;
    if ((r = visit_array(&q->overflow, 0, visit, arg)) != 0) return r;
    if ((r = visit_array(&q->heap, 0, visit, arg)) != 0) return r;
    return visit_array(&q->run, q->run_pos, visit, arg);
}

static void CQueue_dealloc(CQueue *q) {
    PyObject_GC_UnTrack(q);
    CQueue_clear(q);
    PyMem_Free(q->ring);
    PyMem_Free(q->scratch.items);
    Py_TYPE(q)->tp_free((PyObject *)q);
}

static int CQueue_init(CQueue *q, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"ring_buckets", NULL};
    Py_ssize_t ring = (Py_ssize_t)1 << 14;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|n", names, &ring)) return -1;
    if (ring < 1 || (ring & (ring - 1)) != 0) {
        PyErr_Format(PyExc_ValueError, "ring_buckets must be a power of two, not %zd", ring);
        return -1;
    }
    Array *slots = PyMem_Calloc((size_t)ring, sizeof(Array));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    CQueue_clear(q); /* __init__ called again: start empty */
    PyMem_Free(q->ring);
    q->ring = slots;
    q->mask = ring - 1;
    q->ring_end = ring + 1;
    q->open_bucket = 0;
    q->near_end = 1.0;
    q->seq = 1;
    q->done = 0;
    return 0;
}

static PyMethodDef CQueue_methods[] = {
    {"push", (PyCFunction)(void (*)(void))CQueue_push, METH_FASTCALL,
     "push(time, handler, payload): schedule handler(payload) at time."},
    {"push_event", (PyCFunction)(void (*)(void))CQueue_push_event, METH_FASTCALL,
     "push_event(time, priority, event): schedule a SimPy event."},
    {"run_before", (PyCFunction)(void (*)(void))CQueue_run_before, METH_FASTCALL,
     "run_before(until, happen, happen_event): run every entry due before until."},
    {"peek", (PyCFunction)CQueue_peek, METH_NOARGS,
     "Return the time of the next entry (inf if none)."},
    {"pop", (PyCFunction)CQueue_pop, METH_NOARGS,
     "Remove the next entry: (time, priority, obj, payload, is_handler), or None."},
    {"entries", (PyCFunction)CQueue_entries, METH_NOARGS,
     "Return every pending entry as pop() would, in no particular order."},
    {"take_done", (PyCFunction)CQueue_take_done, METH_NOARGS,
     "Return the entries run_before() ran since the last call, and reset the count."},
    {"clear", (PyCFunction)CQueue_clear_all, METH_NOARGS,
     "Drop every pending entry; the queue stays usable."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef CQueue_getset[] = {
    {"pending", (getter)CQueue_get_pending, NULL, "Entries waiting, near and far.", NULL},
    {"near", (getter)CQueue_get_near, NULL, "Entries waiting in the open bucket.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CQueueType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fraudsim.model.cqueue.CQueue",
    .tp_doc = "The event queue's pending happenings as C structs (see the module).",
    .tp_basicsize = sizeof(CQueue),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CQueue_init,
    .tp_dealloc = (destructor)CQueue_dealloc,
    .tp_traverse = (traverseproc)CQueue_traverse,
    .tp_clear = (inquiry)CQueue_clear,
    .tp_methods = CQueue_methods,
    .tp_getset = CQueue_getset,
};

static struct PyModuleDef cqueue_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "fraudsim.model.cqueue",
    .m_doc = "The compiled engine's event queue (see fraudsim/model/cqueue.c).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_cqueue(void) {
    if (PyType_Ready(&CQueueType) < 0) return NULL;
    PyObject *m = PyModule_Create(&cqueue_module);
    if (m == NULL) return NULL;
    Py_INCREF(&CQueueType);
    if (PyModule_AddObject(m, "CQueue", (PyObject *)&CQueueType) < 0) {
        Py_DECREF(&CQueueType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
