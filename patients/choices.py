"""The vocabularies of the contract: procedures, conditions, languages."""

from django.db import models


class Procedure(models.TextChoices):
    MIS_LUMBAR_FUSION = "mis_lumbar_fusion", "Minimally invasive lumbar fusion"
    OPEN_LUMBAR_FUSION = "open_lumbar_fusion", "Open lumbar fusion"
    ACDF = "acdf", "Anterior cervical discectomy and fusion"
    POSTERIOR_CERVICAL_FUSION = "posterior_cervical_fusion", "Posterior cervical fusion"


CERVICAL_PROCEDURES = frozenset({Procedure.ACDF, Procedure.POSTERIOR_CERVICAL_FUSION})


class Condition(models.TextChoices):
    DEGENERATIVE_DISC_DISEASE = "degenerative_disc_disease", "Degenerative disc disease"
    HERNIATED_DISC = "herniated_disc", "Herniated disc"
    LUMBAR_STENOSIS = "lumbar_stenosis", "Lumbar stenosis"
    CERVICAL_STENOSIS = "cervical_stenosis", "Cervical stenosis"
    SPONDYLOLISTHESIS = "spondylolisthesis", "Spondylolisthesis"
    DEFORMITY = "deformity", "Deformity or instability"
    FRACTURE = "fracture", "Fractured vertebra"
    TUMOR = "tumor", "Tumor"
    INFECTION = "infection", "Infection"


class Language(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"
