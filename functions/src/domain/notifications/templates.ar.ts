import type { LocaleTemplates } from './templates.js';

/**
 * العربية (right to left: emails get `dir="rtl"`). Plurals use all six of Arabic's categories where the count
 * changes the noun (zero, one, two, few, many, other), chosen by Intl.PluralRules('ar').
 */
export const ar: LocaleTemplates = {
  optOut: 'أرسل STOP لإلغاء الاشتراك',
  unsubscribe: 'إلغاء الاشتراك في هذه الرسائل',
  open: 'فتح',
  digest: {
    title:
      '{count, plural, zero {لا تحديثات جديدة} one {تحديث جديد} two {تحديثان جديدان} few {# تحديثات جديدة} many {# تحديثًا جديدًا} other {# تحديث جديد}}',
    body: '{summary}',
  },
  types: {
    'auction.bid_placed': {
      title: 'مزايدة جديدة على {auctionTitle}',
      body: 'زايد {bidderName} بمبلغ {amount}.',
      grouped: {
        title:
          '{count, plural, one {مزايدة جديدة} two {مزايدتان جديدتان} few {# مزايدات جديدة} many {# مزايدة جديدة} other {# مزايدة جديدة}} على {auctionTitle}',
        body: 'الأحدث: {bidderName} بمبلغ {amount}.',
      },
      cta: 'عرض المزاد',
    },
    'auction.outbid': {
      title: 'تجاوز أحدهم مزايدتك',
      body: 'زايد أحدهم بمبلغ {amount} على {auctionTitle}. زايد مجددًا لتبقى في المنافسة.',
      grouped: {
        title:
          'تم تجاوز مزايدتك {count, plural, one {مرة واحدة} two {مرتين} few {# مرات} many {# مرة} other {# مرة}} على {auctionTitle}',
        body: 'أعلى مزايدة الآن: {amount}. زايد مجددًا لتبقى في المنافسة.',
      },
      cta: 'زايد مجددًا',
    },
    'auction.ending_soon': {
      title: 'ينتهي {auctionTitle} قريبًا',
      body: 'بقي {minutesLeft} على انتهاء المزايدة.',
      cta: 'زايد الآن',
    },
    'auction.won': {
      title: 'فزت بـ {auctionTitle}!',
      body: 'مزايدتك الفائزة: {amount}. أكمل الدفع الآن.',
      cta: 'إتمام الشراء',
    },
    'auction.sold': { title: 'تم بيع {auctionTitle}', body: 'انتهى مزادك عند {amount}.', cta: 'عرض البيع' },
    'order.purchase_confirmed': {
      title: 'تم تأكيد الطلب',
      body: 'شكرًا! تم دفع ثمن {itemTitle} ({amount}).',
      cta: 'عرض الطلب',
    },
    'order.new_sale': {
      title: 'لديك عملية بيع',
      body: 'بيع {itemTitle} بمبلغ {amount}. حان وقت التغليف.',
      cta: 'عرض الطلب',
    },
    'order.shipped': {
      title: '{itemTitle} في الطريق إليك',
      body: 'شُحن مع {carrier}، رقم التتبع {trackingNumber}.',
      cta: 'تتبع الشحنة',
    },
    'order.delivered': {
      title: 'تم تسليم {itemTitle}',
      body: 'استمتع بقطعتك الجديدة! أخبر الحرفي برأيك فيها.',
      cta: 'اكتب تقييمًا',
    },
    'order.payment_failed': {
      title: 'فشل الدفع',
      body: 'تعذر تحصيل {amount} مقابل {itemTitle}. طلبك معلّق: حدّث وسيلة الدفع للاحتفاظ به.',
      cta: 'تحديث وسيلة الدفع',
    },
    'order.refunded': { title: 'تم رد المبلغ', body: 'سيُعاد إليك {amount} مقابل {itemTitle}.', cta: 'عرض الطلب' },
    'social.new_follower': {
      title: 'متابع جديد',
      body: 'يتابعك {followerName} الآن.',
      grouped: {
        title:
          '{count, plural, one {متابع جديد} two {متابعان جديدان} few {# متابعين جدد} many {# متابعًا جديدًا} other {# متابع جديد}}',
        body: '{followerName} وآخرون يتابعونك الآن.',
      },
      cta: 'عرض المتابعين',
    },
    'social.story_comment': {
      title: 'تعليق جديد على {storyTitle}',
      body: 'علّق {commenterName} على قصتك.',
      grouped: {
        title:
          '{count, plural, one {تعليق جديد} two {تعليقان جديدان} few {# تعليقات جديدة} many {# تعليقًا جديدًا} other {# تعليق جديد}} على {storyTitle}',
        body: 'الأحدث من {commenterName}.',
      },
      cta: 'قراءة التعليقات',
    },
    'commerce.craft_inquiry': {
      title: 'استفسار جديد عن {craftTitle}',
      body: 'أرسل إليك {collectorName} سؤالًا.',
      cta: 'رد',
    },
    'commerce.commission_request': {
      title: 'طلب عمل مخصص',
      body: 'يطلب {collectorName} عملًا مخصصًا بقيمة {amount}.',
      cta: 'مراجعة الطلب',
    },
    'community.creator_spotlight': { title: 'حرفي مميز: {creatorName}', body: '{headline}', cta: 'اقرأ المزيد' },
    'community.craft_challenge': {
      title: 'تحدٍّ حرفي جديد',
      body: '{challengeTitle}: شارك الآن!',
      cta: 'شارك في التحدي',
    },
    'community.event': { title: 'جديد: {eventTitle}', body: 'في {location}. احجز مكانك.', cta: 'احجز مكانك' },
    'community.event_starting_soon': {
      title: 'يبدأ {eventTitle} قريبًا',
      body: '{hoursLeft, plural, one {يبدأ بعد ساعة واحدة في {location}.} two {يبدأ بعد ساعتين في {location}.} few {يبدأ بعد # ساعات في {location}.} other {يبدأ بعد # ساعة في {location}.}}',
      cta: 'عرض الفعالية',
    },
    'reminder.due': { title: '{title}', body: '{body}', cta: 'فتح' },
    'system.announcement': { title: '{title}', body: '{body}', cta: 'اقرأ المزيد' },
    'ops.delivery_alert': {
      title:
        '{alertKind, select, error_rate {تنبيه التسليم: نسبة أخطاء المزوّدين} delivery_success {تنبيه التسليم: نجاح التسليم} other {تنبيه التسليم: تراكم الرسائل}}',
      body: '{alertKind, select, error_rate {فشل {value} من {volume} طلبًا إلى المزوّدين خلال آخر 15 دقيقة (الحد {threshold}).} delivery_success {نجح {value} فقط من {volume} عملية تسليم خلال آخر 15 دقيقة (الحد {threshold}).} other {{volume} رسالة بانتظار الإرسال (الحد {threshold}).}}',
      cta: 'فتح لوحة المتابعة',
    },
    'messaging.new_message': {
      title: '{conversationTitle}',
      body: '{senderName}: {preview}',
      grouped: {
        title: '{conversationTitle}',
        body: '{count, plural, one {رسالة جديدة} two {رسالتان جديدتان} few {# رسائل جديدة} many {# رسالة جديدة} other {# رسالة جديدة}}',
      },
      cta: 'رد',
    },
    'order.placed': {
      title: 'تم استلام الطلب',
      body: 'استلمنا طلبك لـ {itemTitle} ({amount}). سنؤكده بعد الدفع.',
      cta: 'عرض الطلب',
    },
    'order.processing': {
      title: 'جارٍ تجهيز {itemTitle}',
      body: 'يجهّز الحرفي طلبك الآن. سنخبرك عند شحنه.',
      cta: 'عرض الطلب',
    },
    'order.cancelled': {
      title: 'تم إلغاء الطلب',
      body: 'أُلغي طلبك لـ {itemTitle}: {reason}',
      cta: 'عرض الطلب',
    },
    'order.sale_cancelled': {
      title: 'تم إلغاء البيع',
      body: 'أُلغي طلب {itemTitle}: {reason}. يرجى عدم شحنه.',
      cta: 'عرض الطلب',
    },
    'order.sale_delivered': {
      title: 'تم تسليم {itemTitle}',
      body: 'استلم المشتري {itemTitle}.',
      cta: 'عرض الطلب',
    },
    'order.sale_refunded': {
      title: 'تم رد المبلغ',
      body: 'رُدّ {amount} مقابل {itemTitle} إلى المشتري.',
      cta: 'عرض الطلب',
    },
    'social.new_listing': {
      title: 'جديد من {creatorName}',
      body: '{listingTitle}، {amount}',
      grouped: {
        title:
          '{count, plural, one {قطعة جديدة} two {قطعتان جديدتان} few {# قطع جديدة} many {# قطعة جديدة} other {# قطعة جديدة}} من {creatorName}',
        body: 'الأحدث: {listingTitle}، {amount}',
      },
      cta: 'عرض القطعة',
    },
  },
  email: {
    unsubscribe: 'إلغاء الاشتراك في رسائل {category}',
    preferences: 'إعدادات البريد الإلكتروني',
    why: 'تصلك هذه الرسالة لأن إشعارات البريد الإلكتروني الخاصة بـ{category} مفعّلة في حسابك على {brand}.',
    identity: 'مرسلة من {brand}، سوق الحِرف اليدوية · {site}',
    ctaFallback: 'الزر لا يعمل؟ افتح هذا الرابط:',
    digestIntro:
      '{count, plural, one {إليك تحديثًا واحدًا لم تطلع عليه بعد.} two {إليك تحديثين لم تطلع عليهما بعد.} few {إليك # تحديثات لم تطلع عليها بعد.} other {إليك # تحديثًا لم تطلع عليها بعد.}}',
    categories: {
      commerce: 'الطلبات والمزادات',
      community: 'أخبار المجتمع',
      social: 'المتابعين والتعليقات',
      messaging: 'الرسائل',
    },
    contexts: {
      auction: 'المزاد',
      order: 'الطلب',
      craft: 'القطعة',
      collector: 'المقتني',
      follower: 'المتابع',
      story: 'القصة',
      creator: 'الحرفي',
      challenge: 'التحدي',
      event: 'الفعالية',
      conversation: 'المحادثة',
      reminder: 'التذكير',
      announcement: 'الإعلان',
      alert: 'الحادثة',
    },
    rows: {
      from: 'من',
      amount: 'المبلغ',
      carrier: 'شركة الشحن',
      tracking: 'رقم التتبع',
      where: 'المكان',
      reason: 'السبب',
      listing: 'القطعة',
    },
  },
  smsHelp:
    'تنبيهات Craft Market: المزايدات والطلبات والمدفوعات. قد تُطبق رسوم الرسائل. أرسل STOP لإلغاء الاشتراك وSTART للعودة.',
  unsubscribePage: {
    title: 'إلغاء الاشتراك',
    doneTitle: 'تم إلغاء الاشتراك',
    invalid: 'رابط إلغاء الاشتراك هذا غير صالح.',
    expired: 'انتهت صلاحية رابط إلغاء الاشتراك. غيّر إعدادات البريد من التطبيق.',
    question: 'إيقاف رسائل {category}؟',
    oneCategory: 'إلغاء الاشتراك في رسائل {category}',
    all: 'إلغاء الاشتراك في جميع الرسائل',
    doneOne: 'لن تصلك منا رسائل {category} بعد الآن.',
    doneAll: 'لن تصلك منا أي رسائل بعد الآن.',
  },
};
