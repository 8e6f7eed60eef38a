"""Templates ask the authorization table too: `{% can "import.approve" approval as may_decide %}`."""

from django import template

from cakupan.accounts.authorization import can as can_do

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, obj=None) -> bool:
    user = context.get("user")
    return user is not None and can_do(user, action, obj)
