# The network programme: newsletters and deliveries, activities and RSVPs, bad addresses.

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import django_countries.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0002_languages'),
        ('norec_portal', '0001_initial'),
        ('partnerships', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='consentrecord',
            name='via',
            field=models.CharField(choices=[('join', 'Joining'), ('profile', 'Profile page'), ('unsubscribe', 'Unsubscribe link'), ('preferences', 'Email preferences link'), ('staff', 'Norec staff')], max_length=20),
        ),
        migrations.CreateModel(
            name='Activity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('kind', models.CharField(choices=[('physical', 'Physical meeting'), ('digital', 'Digital meeting'), ('webinar', 'Webinar'), ('elearning', 'E-learning'), ('other', 'Other')], max_length=12, verbose_name='kind')),
                ('description', models.TextField(blank=True, help_text='Markdown.', max_length=20000, verbose_name='description')),
                ('description_html', models.TextField(blank=True, editable=False)),
                ('starts_at', models.DateTimeField(verbose_name='starts')),
                ('ends_at', models.DateTimeField(verbose_name='ends')),
                ('time_zone', models.CharField(default='Europe/Oslo', max_length=64, verbose_name='time zone')),
                ('place', models.CharField(blank=True, max_length=300, verbose_name='place')),
                ('country', django_countries.fields.CountryField(blank=True, max_length=2, verbose_name='country')),
                ('online_url', models.URLField(blank=True, max_length=500, verbose_name='online link')),
                ('capacity', models.PositiveIntegerField(blank=True, help_text='Leave empty for no limit.', null=True, verbose_name='seats')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('cancelled', 'Cancelled')], default='planned', max_length=10)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'activity',
                'verbose_name_plural': 'activities',
                'ordering': ['starts_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='BadAddress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, unique=True, verbose_name='email')),
                ('source', models.CharField(choices=[('smtp', 'Refused when sending'), ('webhook', 'Reported by the mail provider'), ('staff', 'Norec staff')], max_length=10)),
                ('reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                ('failures', models.PositiveIntegerField(default=1)),
                ('first_failed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('last_failed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('cleared_at', models.DateTimeField(blank=True, null=True)),
                ('cleared_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('last_email', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='norec_portal.outboxemail')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='partnerships.person')),
            ],
            options={
                'verbose_name': 'unreachable address',
                'verbose_name_plural': 'unreachable addresses',
                'ordering': ['-last_failed_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Newsletter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('newsletter', 'Newsletter'), ('announcement', 'Activity announcement')], default='newsletter', max_length=12)),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('body', models.TextField(help_text='Markdown.', max_length=50000, verbose_name='text')),
                ('body_html', models.TextField(blank=True, editable=False)),
                ('audience', models.CharField(choices=[('all', 'All members who receive the newsletter'), ('countries', 'Members in some countries'), ('resource_persons', 'Resource persons')], default='all', max_length=20, verbose_name='audience')),
                ('countries', django_countries.fields.CountryField(blank=True, max_length=746, multiple=True, verbose_name='countries')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('scheduled', 'Scheduled'), ('sending', 'Sending'), ('paused', 'Paused'), ('sent', 'Sent'), ('cancelled', 'Cancelled')], default='draft', max_length=10)),
                ('scheduled_for', models.DateTimeField(blank=True, null=True, verbose_name='send at')),
                ('cursor', models.BigIntegerField(default=0, editable=False)),
                ('chunks_sent', models.PositiveIntegerField(default=0, editable=False)),
                ('next_chunk_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('pause_reason', models.CharField(blank=True, max_length=300)),
                ('failures_counted_since', models.DateTimeField(blank=True, editable=False, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('status_changed_at', models.DateTimeField(blank=True, null=True)),
                ('activity', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='announcements', to='network.activity')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'newsletter',
                'verbose_name_plural': 'newsletters',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='NewsletterDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('email', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='newsletter_deliveries', to='norec_portal.outboxemail')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='newsletter_deliveries', to='network.member')),
                ('newsletter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='network.newsletter')),
            ],
            options={
                'verbose_name': 'newsletter delivery',
                'verbose_name_plural': 'newsletter deliveries',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='RSVP',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('going', 'Going'), ('waitlisted', 'On the waitlist'), ('cancelled', 'Cancelled')], max_length=10)),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('waitlisted_at', models.DateTimeField(blank=True, null=True)),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rsvps', to='network.activity')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rsvps', to='network.member')),
            ],
            options={
                'verbose_name': 'RSVP',
                'verbose_name_plural': 'RSVPs',
                'ordering': ['activity', 'created_at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['status', 'starts_at'], name='activity_status_start_idx'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='activity_ends_after_start'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['physical', 'digital', 'webinar', 'elearning', 'other'])), name='activity_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['planned', 'cancelled'])), name='activity_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'physical'), _negated=True), models.Q(('place', ''), _negated=True), _connector='OR'), name='activity_physical_has_place'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['digital', 'webinar', 'elearning']), _negated=True), models.Q(('online_url', ''), _negated=True), _connector='OR'), name='activity_online_has_link'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('capacity__isnull', True), ('capacity__gte', 1), _connector='OR'), name='activity_capacity_positive'),
        ),
        migrations.AddIndex(
            model_name='badaddress',
            index=models.Index(fields=['cleared_at'], name='bad_address_active_idx'),
        ),
        migrations.AddConstraint(
            model_name='badaddress',
            constraint=models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email'))), name='bad_address_lowercase'),
        ),
        migrations.AddIndex(
            model_name='newsletter',
            index=models.Index(fields=['status', 'scheduled_for'], name='newsletter_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'])), name='newsletter_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(('audience__in', ['all', 'countries', 'resource_persons'])), name='newsletter_audience_valid'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('activity__isnull', True), ('kind', 'newsletter')), models.Q(('activity__isnull', False), ('kind', 'announcement')), _connector='OR'), name='newsletter_announcement_has_activity'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'scheduled'), _negated=True), ('scheduled_for__isnull', False), _connector='OR'), name='newsletter_scheduled_has_time'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'scheduled', 'cancelled']), ('started_at__isnull', False), _connector='OR'), name='newsletter_started_has_time'),
        ),
        migrations.AddConstraint(
            model_name='newsletter',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('audience', 'countries'), _negated=True), models.Q(('countries', ''), _negated=True), _connector='OR'), name='newsletter_countries_chosen'),
        ),
        migrations.AddConstraint(
            model_name='newsletterdelivery',
            constraint=models.UniqueConstraint(fields=('newsletter', 'member'), name='newsletter_once_per_member'),
        ),
        migrations.AddIndex(
            model_name='rsvp',
            index=models.Index(fields=['activity', 'state', 'waitlisted_at'], name='rsvp_queue_idx'),
        ),
        migrations.AddConstraint(
            model_name='rsvp',
            constraint=models.UniqueConstraint(fields=('activity', 'member'), name='rsvp_once_per_member'),
        ),
        migrations.AddConstraint(
            model_name='rsvp',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['going', 'waitlisted', 'cancelled'])), name='rsvp_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='rsvp',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'waitlisted'), _negated=True), ('waitlisted_at__isnull', False), _connector='OR'), name='rsvp_waitlist_has_time'),
        ),
    ]
