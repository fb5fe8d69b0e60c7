/* Native speed-ups for the index build (see index.py). Placeholder: filled in next. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_index_native", "Native index-build speed-ups.", -1, NULL,
};

PyMODINIT_FUNC PyInit__index_native(void) {
    PyObject *m = PyModule_Create(&moduledef);
    if (m && PyModule_AddIntConstant(m, "ABI", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
