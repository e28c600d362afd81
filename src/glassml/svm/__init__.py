"""Support vector machines: kernel SVC by SMO and LinearSVC by dual coordinate descent."""

from glassml.svm._linear_svc import LinearSVC
from glassml.svm._svc import SVC

__all__ = ["SVC", "LinearSVC"]
