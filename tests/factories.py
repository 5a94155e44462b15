"""Factories for the domain models; tests name personas rather than building ad-hoc users."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from annotations.domain import Role, normalize_text, text_sha256
from annotations.models import Article, ClaimBase, Membership, Project

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class ClaimBaseFactory(factory.django.DjangoModelFactory[ClaimBase]):
    class Meta:
        model = ClaimBase
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Claim base {n}")
    slug = factory.Sequence(lambda n: f"base-{n}")


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    claim_base = factory.SubFactory(ClaimBaseFactory)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = Role.ANNOTATOR


class ArticleFactory(factory.django.DjangoModelFactory[Article]):
    class Meta:
        model = Article

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    text = factory.Sequence(lambda n: normalize_text(f"Article number {n} says the talks ended on Wednesday."))
    sha256 = factory.LazyAttribute(lambda a: text_sha256(a.text))
