"""The vocabularies of the contract: procedures, conditions, languages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Procedure(models.TextChoices):
    MIS_LUMBAR_FUSION = "mis_lumbar_fusion", _("Minimally invasive lumbar fusion")
    OPEN_LUMBAR_FUSION = "open_lumbar_fusion", _("Open lumbar fusion")
    ACDF = "acdf", _("Anterior cervical discectomy and fusion")
    POSTERIOR_CERVICAL_FUSION = "posterior_cervical_fusion", _("Posterior cervical fusion")


CERVICAL_PROCEDURES = frozenset({Procedure.ACDF, Procedure.POSTERIOR_CERVICAL_FUSION})


class Condition(models.TextChoices):
    DEGENERATIVE_DISC_DISEASE = "degenerative_disc_disease", _("Degenerative disc disease")
    HERNIATED_DISC = "herniated_disc", _("Herniated disc")
    LUMBAR_STENOSIS = "lumbar_stenosis", _("Lumbar stenosis")
    CERVICAL_STENOSIS = "cervical_stenosis", _("Cervical stenosis")
    SPONDYLOLISTHESIS = "spondylolisthesis", _("Spondylolisthesis")
    DEFORMITY = "deformity", _("Deformity or instability")
    FRACTURE = "fracture", _("Fractured vertebra")
    TUMOR = "tumor", _("Tumor")
    INFECTION = "infection", _("Infection")


class Language(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"
