"""Pages of the API's lists: DRF's page numbers, with bad page values answered as bad input."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


class StrictPagination(PageNumberPagination):
    """DRF's pages, but a page that is empty, not a number or past the end is bad input: a 400 naming
    `page`, as every other bad query value is (DRF reads an empty page as the first and answers a bad
    one with a 404)."""

    def paginate_queryset(self, queryset, request, view=None):
        if request.query_params.get(self.page_query_param, None) == "":
            raise ValidationError({self.page_query_param: ["Give a page number, 1 or more."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise ValidationError({self.page_query_param: [str(exc.detail)]}) from exc
